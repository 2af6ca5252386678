"""tfxkit.lineage.diff: what changed between two runs, oldest to newest whatever order they are named in."""

from __future__ import annotations

import pytest

from tests.mlmd_store import DATA_NODES
from tfxkit.lineage.diff import diff_runs, flatten, value_text
from tfxkit.lineage.text import format_diff


@pytest.fixture
def history(lineage_history):
    return lineage_history


def test_a_learning_rate_change_its_metric_delta_and_the_cached_components(history):
    first, second = history.first.run_id, history.second.run_id
    d = diff_runs(history.store(), "penguin", second)  # one run named: compared with the one before
    assert (d["old"], d["new"]) == (first, second)
    assert d["spec"] == [{"key": "trainer.learning_rate.initial", "old": 0.01, "new": 0.005}]
    assert d["files"] == [] and d["schema"] == [] and d["hyperparameters"] == []
    [metric] = d["metrics"]
    assert metric["metric"] == "accuracy" and (metric["old"], metric["new"]) == (0.95, 0.96)
    assert metric["delta"] == pytest.approx(0.01)
    assert d["components"]["cached"] == list(DATA_NODES)
    assert {"AnomaliesGate", "Trainer", "Evaluator", "Pusher"} <= set(d["components"]["reran"])
    assert d["outcome"] == {"old": "pushed", "new": "pushed"}
    assert d["models"] == {"old": history.first.model_id, "new": history.second.model_id}
    assert diff_runs(history.store(), "penguin", first, second) == d  # named in either order


def test_a_threshold_change_and_a_changed_data_file(history):
    d = diff_runs(history.store(), "penguin", history.third.run_id, history.second.run_id)
    assert d["spec"] == [{"key": "evaluation.thresholds.accuracy.lower_bound", "old": 0.9, "new": 0.999}]
    assert d["outcome"] == {"old": "pushed", "new": "not_blessed"} and d["models"]["old"] == d["models"]["new"]
    assert "Trainer" in d["components"]["cached"]


def test_the_text_view_names_runs_keys_and_deltas(history):
    text = format_diff(diff_runs(history.store(), "penguin", history.second.run_id))
    assert f"pipeline penguin: run {history.first.run_id} -> run {history.second.run_id}" in text
    assert "    trainer.learning_rate.initial: 0.01 -> 0.005" in text
    assert "    accuracy: 0.9500 -> 0.9600  (+0.0100)" in text
    assert f"components cached: {' '.join(DATA_NODES)}" in text
    assert "data files (sha256): unchanged" in text
    assert f"outcome: pushed -> pushed; model {history.first.model_id} -> {history.second.model_id}" in text


def test_flatten_and_value_text():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": None}) == {"a.b": 1, "a.c.d": [1, 2], "e": None}
    assert [value_text(v) for v in (None, "adam", 0.5, [16, 8])] == ["(none)", "adam", "0.5", "16, 8"]
