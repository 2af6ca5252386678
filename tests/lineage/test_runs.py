"""tfxkit.lineage.runs over a store shaped like real runs (tests/mlmd_store.py): listing, states, finding runs."""

from __future__ import annotations

import pytest

from tests.mlmd_store import DATA_NODES, PipelineStore
from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.runs import find_run, list_runs, previous_run


@pytest.fixture
def history(lineage_history):
    return lineage_history


def test_runs_are_listed_newest_first_with_their_outcome_nodes_and_metrics(history):
    rows = list_runs(history.store(), "penguin")
    assert [r.run_id for r in rows] == [history.third.run_id, history.second.run_id, history.first.run_id]
    third, second, first = rows
    assert third.status == "not_blessed" and "below lower_bound 0.999" in third.reason
    assert third.pushed_to is None and third.metrics == {"accuracy": 0.96}
    assert first.status == "pushed" and first.pushed_to == history.first.pushed_to and first.reason is None
    assert second.pushed_to == history.second.pushed_to != first.pushed_to
    assert {n: second.nodes[n] for n in DATA_NODES} == dict.fromkeys(DATA_NODES, "cached")
    assert second.nodes["Trainer"] == "complete" and third.nodes["Trainer"] == "cached"
    assert list(first.nodes)[:2] == ["CsvExampleGen", "StatisticsGen"] and list(first.nodes)[-1] == "Pusher"
    assert first.spec_hash == history.first.spec.spec_hash() != second.spec_hash
    assert first.runner == "local" and first.seconds > 0
    assert [r.run_id for r in list_runs(history.store(), "penguin", limit=1)] == [history.third.run_id]


def test_a_run_is_found_by_id_unique_prefix_or_latest(history):
    store = history.store()
    assert find_run(store, "penguin", "latest").id == history.third.run_id
    assert find_run(store, "penguin", history.first.run_id).id == history.first.run_id
    assert find_run(store, "penguin", history.second.run_id[:-1]).id == history.second.run_id
    assert previous_run(store, "penguin", find_run(store, "penguin", history.second.run_id)).id == history.first.run_id


def test_unknown_ambiguous_and_first_runs_are_clear_errors(history):
    store = history.store()
    typo = history.first.run_id[:-1] + "9"
    with pytest.raises(LineageError, match=f"no run '{typo}' in pipeline 'penguin' \\(did you mean '{history.first.run_id}'"):
        find_run(store, "penguin", typo)
    with pytest.raises(LineageError, match="is ambiguous"):
        find_run(store, "penguin", history.first.run_id[:8])
    with pytest.raises(LineageError, match="is the pipeline's first run"):
        previous_run(store, "penguin", find_run(store, "penguin", history.first.run_id))
    with pytest.raises(LineageError, match=r"no runs of pipeline 'pengiun' \(it has: penguin\) \(did you mean 'penguin'"):
        list_runs(store, "pengiun")


def test_gated_failed_and_killed_runs(tmp_path):
    pipeline = PipelineStore(tmp_path)
    killed = pipeline.run(stop_at="Trainer")
    gated = pipeline.run(anomalies={"island": ("Unexpected string values", "Atlantis")})
    failed = pipeline.run(fail="Trainer", error="ValueError: the loss is NaN")
    rows = {r.run_id: r for r in list_runs(pipeline.store(), "penguin")}

    assert rows[gated.run_id].status == "gated" and rows[gated.run_id].failed_node == "AnomaliesGate"
    assert "island: Unexpected string values (Atlantis)" in rows[gated.run_id].error
    assert rows[gated.run_id].nodes["Transform"] == "skipped" and rows[gated.run_id].nodes["Pusher"] == "skipped"
    assert rows[failed.run_id].status == "failed" and rows[failed.run_id].reason == "Trainer failed"
    assert rows[failed.run_id].nodes["Trainer"] == "failed" and rows[failed.run_id].nodes["Transform"] == "complete"
    # Killed mid-Trainer (no tfxkit record): rebuilt from its executions, and abandoned once a later run finished.
    row = rows[killed.run_id]
    assert row.status == "abandoned" and row.spec_hash is None
    assert f"run {gated.run_id} finished after it" in row.reason
    assert row.nodes == {**dict.fromkeys(list(row.nodes)[:-1], "complete"), "Trainer": "abandoned"}


def test_a_killed_run_with_nothing_after_it_is_incomplete(tmp_path):
    pipeline = PipelineStore(tmp_path)
    pipeline.run()
    killed = pipeline.run(stop_at="Evaluator")
    row = list_runs(pipeline.store(), "penguin")[0]
    assert row.run_id == killed.run_id and row.status == "incomplete" and row.nodes["Evaluator"] == "running"


def test_a_run_tfx_recorded_alone_is_read_from_its_executions(tmp_path):
    """No tfxkit summary (another tool ran the pipeline): the outcome comes from the Pusher's output."""
    pipeline = PipelineStore(tmp_path)
    pushed = pipeline.run(record=False)
    refused = pipeline.run(record=False, overrides={"evaluation.thresholds.accuracy.lower_bound": 0.99})
    rows = {r.run_id: r for r in list_runs(pipeline.store(), "penguin")}
    assert rows[pushed.run_id].status == "pushed" and rows[pushed.run_id].pushed_to == pushed_destination(pipeline)
    assert rows[refused.run_id].status == "not_blessed" and rows[refused.run_id].reason == "model not blessed"
    assert rows[pushed.run_id].nodes == dict.fromkeys(pushed.states, "complete")


def pushed_destination(pipeline: PipelineStore) -> str:
    [push] = pipeline.store().artifacts_of_type("PushedModel", "penguin", pushed_only=True)
    return str(push.properties["pushed_destination"])
