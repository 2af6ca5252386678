"""End to end: pipelines/penguin_tuned.yaml — the TFX Tuner runs the declared trials and
the Trainer trains with the best hyperparameters (checked through artifacts and MLMD); a Tuner
killed with kill -9 mid-search searches again in the next run, which pushes."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.e2e.conftest import executions_in_state, kill_while_held
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


def finished_trials(root: Path) -> int:
    """KerasTuner's trials marked COMPLETED so far, in every Tuner execution's working folder under the root."""
    done = 0
    for trial in (root / "Tuner").rglob("trial.json"):
        try:
            done += json.loads(trial.read_text()).get("status") == "COMPLETED"
        except (OSError, ValueError):  # being written
            pass
    return done


def test_a_tuner_killed_mid_search_searches_again_and_the_next_run_pushes(tmp_path):
    """kill -9 once the Tuner has finished a trial, before its last: nothing pushed, the Tuner's execution left
    RUNNING; the next run searches all trials afresh (everything before the Tuner from the cache), hands the
    Trainer the new best values and pushes. Its own root: the shared tuned run's audits must stay its own."""
    root = tmp_path / "root"
    serving = root / "serving"
    search = ("pipelines/penguin_tuned.yaml", "--root", str(root), "--set", "tuning.epochs_per_trial=4")
    killed = kill_while_held(root, "Tuner", *search, ready=lambda: finished_trials(root) > 0,
                             what="the Tuner's first trial to finish")
    assert killed.code == -signal.SIGKILL, killed.stderr[-3000:]
    assert "▶ Tuner" in killed.stdout.splitlines() and "▶ Trainer" not in killed.stdout
    assert finished_trials(root) < 3  # killed mid-search, not after it
    assert executions_in_state(root, "Tuner") == 1  # the killed one, left RUNNING
    assert not serving.exists() or [p.name for p in serving.iterdir()] == []

    rerun = run_cli("run", *search)
    assert rerun.code == 0, rerun.stdout[-2000:] + rerun.stderr[-3000:]
    assert "  pushed   " in rerun.stdout
    store = Store(connection_config(MetadataUrl("sqlite", path=str(root / "metadata.sqlite"))))
    nodes = node_runs(store, "penguin_tuned", latest_run_id(store, "penguin_tuned"))
    assert nodes["Tuner"].state == "COMPLETE" and nodes["Trainer"].state == "COMPLETE"
    assert nodes["Transform"].state == "CACHED" and nodes["CsvExampleGen"].state == "CACHED"
    results = json.loads(open(os.path.join(nodes["Tuner"].output("tuner_results").uri, "tuner_results.json")).read())
    assert len(results) == 3  # every trial of the search, not the killed search's leftovers
    links = store.links_of_executions([nodes["Trainer"].execution_id])
    assert {link.artifact_id for link in links if not link.is_output and link.key == "hyperparameters"} == {
        nodes["Tuner"].output("best_hyperparameters").id}
    [version] = [p for p in serving.iterdir() if not p.name.startswith(".")]
    assert (version / "saved_model.pb").is_file() and (version / "variables" / "variables.index").is_file()

    runs = json.loads(run_cli("runs", "pipelines/penguin_tuned.yaml", "--root", str(root), "--format",
                              "json").stdout)["runs"]
    latest, stopped = runs[0], runs[1]
    assert latest["status"] == "pushed"
    # The audit calls a silent run abandoned once a later run finished over a minute after it started.
    assert stopped["status"] in ("incomplete", "abandoned") and stopped["nodes"]["Tuner"] != "complete", stopped
