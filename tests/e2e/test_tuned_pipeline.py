"""End to end: pipelines/penguin_tuned.yaml — the TFX Tuner runs the declared trials and
the Trainer trains with the best hyperparameters (checked through artifacts and MLMD)."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import run_cli
from tfxkit.config.metadata_url import MetadataUrl
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.runs import latest_run_id, node_runs
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e


def test_tuner_trials_and_best_hyperparameters_reach_the_trainer(penguin_tuned_run):
    tmp_path, result = penguin_tuned_run
    assert result.code == 0, result.stderr[-3000:]
    assert "Search space summary" not in result.stdout  # KerasTuner's prints go to the log

    store = Store(connection_config(MetadataUrl("sqlite", path=str(tmp_path / "metadata.sqlite"))))
    nodes = node_runs(store, "penguin_tuned", latest_run_id(store, "penguin_tuned"))
    assert nodes["Tuner"].state == "COMPLETE" and nodes["Trainer"].state == "COMPLETE"

    trials = json.loads(open(os.path.join(nodes["Tuner"].output("tuner_results").uri, "tuner_results.json")).read())
    assert len(trials) == 3  # max_trials
    best_artifact = nodes["Tuner"].output("best_hyperparameters")
    best = json.loads(open(os.path.join(best_artifact.uri, "best_hyperparameters.txt")).read())["values"]
    assert set(best) == {"learning_rate", "units", "dropout"}
    assert 0.001 <= best["learning_rate"] <= 0.05 and best["units"] in (8, 16, 24, 32)
    assert best == {k: v for k, v in max(trials, key=lambda t: t["score"]).items() if k in best}

    # MLMD: the Trainer's execution consumed exactly that artifact ...
    links = store.links_of_executions([nodes["Trainer"].execution_id])
    assert {link.artifact_id for link in links if not link.is_output and link.key == "hyperparameters"} == {
        best_artifact.id}
    # ... and trained with those values.
    trained = json.loads(open(os.path.join(nodes["Trainer"].output("model_run").uri, "trained_config.json")).read())
    assert trained["model"]["hidden_units"] == [best["units"], best["units"]]
    assert trained["model"]["dropout"] == best["dropout"]
    assert trained["trainer"]["learning_rate"]["initial"] == pytest.approx(best["learning_rate"])

    # The lineage audit names the tuned values and the artifact that carried them.
    audit = run_cli("lineage", "pipelines/penguin_tuned.yaml", "--root", str(tmp_path), "--format", "json")
    assert audit.code == 0, audit.stderr
    model = json.loads(audit.stdout)["model"]
    assert model["training"]["hyperparameters"] == best
    assert model["hyperparameters_artifact_id"] == best_artifact.id
