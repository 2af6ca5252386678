"""tfxkit.lineage.provenance: which data, schema, spec and blessing produced the served model (or any run's)."""

from __future__ import annotations

import hashlib
import os

import pytest

from tests.conftest import REPO_ROOT
from tests.mlmd_store import ANOMALY, PipelineStore
from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.provenance import provenance, served_push, served_statistics
from tfxkit.lineage.text import format_provenance


@pytest.fixture
def history(lineage_history):
    return lineage_history


def test_latest_is_the_served_model_with_its_data_schema_blessing_and_spec(history):
    p = provenance(history.store(), "penguin")
    second = history.second
    assert p["run"]["run_id"] == second.run_id and p["pushed"]["is_served"]
    assert p["served"] == {"artifact_id": second.artifact_id("Pusher", "pushed_model"), "destination": second.pushed_to}
    assert p["model"]["artifact_id"] == second.model_id and p["model"]["run"] == second.run_id
    # The data nodes were cached in the second run: their artifacts are named with the run that made them.
    assert p["examples"]["artifact_id"] == history.first.artifact_id("CsvExampleGen", "examples")
    assert p["examples"]["run"] == p["transform"]["run"] == history.first.run_id
    data = history.pipeline.data_file
    assert p["examples"]["files"][0]["path"] == str(data)
    assert p["examples"]["files"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert p["examples"]["split_sizes"] == {"train": 258, "eval": 86}
    assert p["schema"]["source"] == "curated" and p["schema"]["file"]["path"] == str(REPO_ROOT / "schemas/penguin.pbtxt")
    assert p["anomalies"]["found"] == {}
    blessing = p["blessing"]
    assert blessing["blessed"] and blessing["baseline_model_id"] == history.first.model_id
    [check] = blessing["checks"]
    assert (check["metric"], check["value"], check["baseline"], check["passed"]) == ("accuracy", 0.96, 0.95, True)
    assert check["threshold"] == {"lower_bound": 0.9, "min_improvement": -0.02, "per_slice": False}
    assert p["spec"]["hash"] == second.spec.spec_hash()
    assert p["spec"]["resolved"]["trainer"]["learning_rate"]["initial"] == 0.005
    assert p["model"]["training"]["training"]["epochs_run"] == 30
    assert p["model"]["training"]["tensorboard"] == second.uri("Trainer", "model_run")


def test_every_id_a_user_may_paste_gives_the_same_true_answer(history):
    store, second = history.store(), history.second
    latest = provenance(store, "penguin")
    served = {"model": second.model_id, "pushed": second.pushed_to, "served": True,
              "blessing": second.artifact_id("Evaluator", "blessing")}
    trainer_folder = second.uri("Trainer", "model")
    targets = (second.pushed_to, os.path.dirname(second.pushed_to), trainer_folder,
               os.path.join(trainer_folder, "Format-Serving"), str(second.model_id),
               str(second.artifact_id("Pusher", "pushed_model")), str(second.artifact_id("Evaluator", "blessing")),
               second.run_id, second.run_id[:-1])
    for target in ("latest",) + targets:
        p = provenance(store, "penguin", target)
        answer = {"model": p["model"]["artifact_id"], "pushed": p["pushed"] and p["pushed"]["destination"],
                  "served": p["pushed"] and p["pushed"]["is_served"], "blessing": p["blessing"]["artifact_id"]}
        assert answer == served, target
        assert format_provenance(p).splitlines()[0] == format_provenance(latest).splitlines()[0], target
    assert format_provenance(latest).splitlines()[0] == f"pipeline penguin, model {second.model_id}, served now"


def test_an_earlier_model_pasted_by_id_is_shown_pushed_earlier_not_served(history):
    p = provenance(history.store(), "penguin", str(history.first.model_id))
    assert p["pushed"]["destination"] == history.first.pushed_to and not p["pushed"]["is_served"]


def test_a_run_whose_model_missed_its_threshold_is_not_pushed_and_shows_why(history):
    p = provenance(history.store(), "penguin", history.third.run_id)
    assert p["pushed"] is None and p["run"]["status"] == "not_blessed"
    assert p["model"]["artifact_id"] == history.second.model_id  # the Trainer was cached: the same model
    assert not p["blessing"]["blessed"] and p["blessing"]["run"] == history.third.run_id
    [check] = p["blessing"]["checks"]
    assert check["passed"] is False
    assert check["failures"] == ["accuracy 0.9600 is below lower_bound 0.999 on all data"]


def test_an_earlier_push_is_no_longer_the_served_one(history):
    p = provenance(history.store(), "penguin", history.first.run_id)
    assert p["pushed"]["destination"] == history.first.pushed_to and not p["pushed"]["is_served"]
    assert p["served"]["destination"] == history.second.pushed_to


def test_the_served_model_s_statistics_are_the_drift_baseline(history):
    store = history.store()
    assert served_push(store, "penguin").properties["pushed_destination"] == history.second.pushed_to
    statistics, run_id = served_statistics(store, "penguin")
    assert statistics.id == history.first.artifact_id("StatisticsGen", "statistics") and run_id == history.second.run_id


def test_a_gated_run_shows_its_data_and_anomalies_and_no_model(tmp_path):
    pipeline = PipelineStore(tmp_path)
    gated = pipeline.run(anomalies={"island": ANOMALY})
    store = pipeline.store()
    p = provenance(store, "penguin", gated.run_id)
    assert p["model"] is None and p["blessing"] is None and p["run"]["status"] == "gated"
    assert p["examples"]["artifact_id"] == gated.artifact_id("CsvExampleGen", "examples")
    assert p["anomalies"]["found"] == {"train": [f"island: {ANOMALY[0]} ({ANOMALY[1]})"]}
    with pytest.raises(LineageError, match="no model of pipeline 'penguin' has been pushed yet"):
        provenance(store, "penguin")
    assert served_statistics(store, "penguin") is None


def test_targets_that_are_not_models(history, tmp_path):
    store = history.store()
    schema = history.first.artifact_id("ImportSchemaGen", "schema")
    with pytest.raises(LineageError, match=f"artifact {schema} is a Schema, not a model"):
        provenance(store, "penguin", str(schema))
    with pytest.raises(LineageError, match=f"no artifact 99999 in pipeline 'penguin' \\(did you mean model "
                                           f"{history.second.model_id}"):
        provenance(store, "penguin", "99999")
    with pytest.raises(LineageError, match=f"{tmp_path} is not a model pushed by pipeline 'penguin'"):
        provenance(store, "penguin", str(tmp_path))
