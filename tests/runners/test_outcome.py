"""A run's outcome kind, decided where the outcome is read: from the runner's exception and the executions
MLMD recorded (NodeRun rows as `node_runs` returns them), never from the message text."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tfxkit.config.load import load_spec
from tfxkit.dag.nodes import GATE_ID
from tfxkit.dag.plan import plan_nodes
from tfxkit.metadata.runs import ArtifactInfo, NodeRun
from tfxkit.runners.interrupt import INTERRUPTED_ERROR
from tfxkit.runners.outcome import (
    GATED_REASON,
    OutcomeKind,
    RunReport,
    failure_kind,
    read_outcome,
    run_summary,
    up_to_date_report,
)


class DataAnomaliesError(RuntimeError):
    """Stands in for the gate's class (tfxkit.components.data_gate.executor), which imports TFX: the kind goes by its name."""


@pytest.fixture(scope="module")
def penguin():
    return load_spec(REPO_ROOT / "pipelines/penguin.yaml")


def node(node_id: str, state: str = "COMPLETE", *outputs: ArtifactInfo) -> NodeRun:
    return NodeRun(node_id, state, 1, list(outputs))


def pusher(state: str = "COMPLETE", pushed: int = 1) -> NodeRun:
    return node("Pusher", state, ArtifactInfo("pushed_model", "PushedModel", "/root/Pusher/pushed_model/9",
                                              {"pushed": pushed, "pushed_destination": "/serving/1700000000"}))


def read(loaded, nodes: dict[str, NodeRun], failure: BaseException | None = None, current: str | None = None):
    report = RunReport(run_id="20260101-120000-abcd", nodes=nodes)
    read_outcome(report, loaded, failure, current)
    return report


def test_ctrl_c_is_interrupted_wherever_it_lands(penguin):
    report = read(penguin, {"CsvExampleGen": node("CsvExampleGen"), "Transform": node("Transform", "CANCELED")},
                  KeyboardInterrupt(), current="Transform")
    assert report.kind is OutcomeKind.INTERRUPTED and not report.ok
    assert (report.error, report.failed_node) == (INTERRUPTED_ERROR, "Transform")
    assert report.not_pushed_reason == "interrupted during Transform"


def test_the_gates_own_exception_is_gated(penguin):
    failure = DataAnomaliesError("data validation failed: 1 anomaly against the schema\n  [train] island: ...")
    report = read(penguin, {GATE_ID: node(GATE_ID, "FAILED")}, failure, current=GATE_ID)
    assert report.kind is OutcomeKind.GATED
    assert report.not_pushed_reason == GATED_REASON and report.error == str(failure)


def test_a_gate_failure_that_reaches_the_runner_as_another_type_is_gated(penguin):
    """Beam's multi-process runner re-raises a worker's error as a RuntimeError: the failed node decides."""
    failure = RuntimeError("Pipeline failed [while running 'Run[AnomaliesGate]']")
    report = read(penguin, {GATE_ID: node(GATE_ID, "FAILED")}, failure)
    assert (report.kind, report.failed_node) == (OutcomeKind.GATED, GATE_ID)


def test_a_message_that_merely_mentions_anomalies_is_not_gated(penguin):
    failure = ValueError("data anomalies stopped the run before Transform")  # the old text test's trigger
    report = read(penguin, {"Trainer": node("Trainer", "FAILED")}, failure)
    assert report.kind is OutcomeKind.FAILED
    assert (report.failed_node, report.not_pushed_reason) == ("Trainer", "Trainer failed")


def test_an_error_without_text_is_named_by_its_type(penguin):
    report = read(penguin, {}, MemoryError(), current="Trainer")
    assert (report.kind, report.error, report.failed_node) == (OutcomeKind.FAILED, "MemoryError", "Trainer")


@pytest.mark.parametrize("failure, kind", [
    (KeyboardInterrupt(), OutcomeKind.INTERRUPTED),
    (DataAnomaliesError("x"), OutcomeKind.GATED),
    (RuntimeError("x"), OutcomeKind.FAILED),
])
def test_failure_kind(failure, kind):
    assert failure_kind(failure, "Trainer") is kind


def test_a_push_is_pushed_and_a_cached_push_unchanged(penguin):
    assert read(penguin, {"Pusher": pusher()}).kind is OutcomeKind.PUSHED
    report = read(penguin, {"Pusher": pusher("CACHED")})
    assert (report.kind, report.pushed_to) == (OutcomeKind.UNCHANGED, "/serving/1700000000")


def test_a_finished_run_that_pushed_nothing_is_not_blessed(penguin):
    report = read(penguin, {"Pusher": pusher(pushed=0)})
    assert report.kind is OutcomeKind.NOT_BLESSED and report.ok and report.pushed_to is None
    assert report.not_pushed_reason == "the Pusher did not push (see the log)"


def test_a_before_push_check_that_refused_the_model_fails_the_run(tmp_path):
    loaded = load_spec(REPO_ROOT / "pipelines/penguin_checked.yaml")
    pusher_node = next(n for n in plan_nodes(loaded) if n.id == "Pusher")
    checker, _, key = pusher_node.inputs["infra_blessing"].partition(".")
    (tmp_path / "INFRA_NOT_BLESSED").write_text("p95 latency 900 ms > 250 ms\n")
    blessing = ArtifactInfo(key, "InfraBlessing", str(tmp_path), {"blessed": 0})
    report = read(loaded, {checker: node(checker, "COMPLETE", blessing), "Pusher": pusher(pushed=0)})
    assert (report.kind, report.failed_node) == (OutcomeKind.FAILED, checker)
    assert report.not_pushed_reason == f"{checker} refused the model: p95 latency 900 ms > 250 ms"


def test_an_up_to_date_run_reports_the_recorded_outcome_again():
    previous = {"run_id": "r1", "pushed_to": "/serving/1", "not_pushed_reason": None, "metrics": {"accuracy": 0.9}}
    assert up_to_date_report(previous, 0.1).kind is OutcomeKind.UNCHANGED
    report = up_to_date_report({**previous, "pushed_to": None, "not_pushed_reason": "model not blessed: x"}, 0.1)
    assert (report.kind, report.up_to_date_with, report.ok) == (OutcomeKind.NOT_BLESSED, "r1", True)


def test_the_recorded_status_is_the_kinds_value(penguin):
    report = RunReport(run_id="r1", kind=OutcomeKind.GATED, error="data validation failed")
    summary = run_summary(report, "local", 0.0, {}, penguin)
    assert summary["status"] == "gated"
    assert {k.value for k in OutcomeKind} == {"pushed", "unchanged", "not_blessed", "gated", "failed", "interrupted"}
