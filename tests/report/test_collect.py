"""tfxkit.report.collect: everything the run report shows, gathered for one run."""

from __future__ import annotations

import json

import pytest

from tests.mlmd_store import ANOMALY, PipelineStore
from tfxkit.dag.nodes import GATE_ID
from tfxkit.metadata.store import Execution
from tfxkit.report.collect import collect, run_log_dirs
from tfxkit.report.spans import drift_verdict


def test_a_pushed_run_s_report_data(lineage_history):
    h = lineage_history
    data = collect(h.store(), "penguin", h.second.run_id)
    assert data.run["run_id"] == h.second.run_id and data.run["status"] == "pushed"
    assert data.provenance["model"]["artifact_id"] == h.second.model_id
    assert [n.id for n in data.nodes] == list(h.second.states)
    assert {n.id: n.state for n in data.nodes}["Transform"] == "cached"
    assert ("CsvExampleGen", "StatisticsGen") in data.edges and ("AnomaliesGate", "Transform") in data.edges
    assert data.split_rows == {"train": 258, "eval": 86}
    assert [f.name for f in data.features][:2] == ["bill_depth_mm", "bill_length_mm"]
    assert data.training["training"]["epochs_run"] == 30
    assert set(data.curves) == {"accuracy", "loss"} and len(data.curves["loss"]["train"]) == 30
    assert data.slices[0] == {"slice": "all data", "metrics": {"accuracy": 0.96}, "baseline": {"accuracy": 0.95},
                              "examples": 86}
    assert [s["slice"] for s in data.slices[1:]] == ["island=Biscoe", "island=Dream", "island=Torgersen"]
    assert data.diff["spec"] == [{"key": "trainer.learning_rate.initial", "old": 0.01, "new": 0.005}]
    assert data.diff_note is None and data.trials == []
    assert data.spans == []  # a plain data path
    assert data.drift.startswith("Drift was not checked")
    run_id, dirs = run_log_dirs(h.store(), "penguin", h.second.run_id)
    assert run_id == h.second.run_id and dirs == {f"{run_id}/trainer": h.second.uri("Trainer", "model_run")}


def test_the_first_run_has_nothing_to_compare_and_a_gated_one_no_training(tmp_path):
    pipeline = PipelineStore(tmp_path)
    first = pipeline.run()
    gated = pipeline.run(anomalies={"island": ANOMALY})
    data = collect(pipeline.store(), "penguin", first.run_id)
    assert data.diff is None and "is the pipeline's first run" in data.diff_note
    data = collect(pipeline.store(), "penguin", "latest")
    assert data.run["run_id"] == gated.run_id and data.training is None and data.slices == []
    assert data.provenance["anomalies"]["found"] == {"train": [f"island: {ANOMALY[0]} ({ANOMALY[1]})"]}
    assert {n.id: n.state for n in data.nodes}["Trainer"] == "skipped"


def test_a_spans_run_s_report_has_a_row_per_span_it_read(spans_history):
    builder, first, second, data = spans_history
    report = collect(builder.store(), builder.pipeline, second.run_id)
    assert [(s.span, s.label, s.version) for s in report.spans] == [(2, "2", 2), (3, "3", 1)]
    for row in report.spans:
        assert row.examples_id == second.artifact_id(row.node, "examples") and row.state == "complete"
        assert set(row.rows) == {"train", "eval"}  # the split sizes recorded beside the span
        [recorded] = row.files
        assert recorded["path"] == str(data / f"span-{row.span}" / f"v{row.version}" / "part-0.csv")
        assert len(recorded["sha256"]) == 64


def gate(state: str, drift: str) -> Execution:
    return Execution(1, "AnomaliesGate", GATE_ID, state, 0.0, 0.0, {"drift": drift})


@pytest.mark.parametrize("state, reason, expected", [
    ("COMPLETE", None, "No drift: the data was compared with the data of the served model (run r1) and stayed "
                       "within the thresholds."),
    ("CACHED", None, "No drift: the data was compared with the data of the served model (run r1) and stayed "
                     "within the thresholds."),
    ("FAILED", "data drifted: x", "The data gate stopped the run after comparing the data with the data of the "
                                  "served model (run r1): data drifted: x"),
    ("RUNNING", None, "The data gate did not finish (running); it was comparing the data with the data of the "
                      "served model (run r1)."),
])
def test_the_drift_verdict_says_what_the_gate_compared_and_found(state, reason, expected):
    assert drift_verdict([gate(state, json.dumps({"baseline_run": "r1"}))], reason) == expected


def test_no_gate_no_verdict_and_an_empty_parameter_means_not_checked():
    assert drift_verdict([], None) is None
    assert drift_verdict([gate("COMPLETE", "")], None).startswith("Drift was not checked")
