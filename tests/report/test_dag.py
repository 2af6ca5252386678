"""tfxkit.report.dag: the run's DAG, each component coloured by what it did."""

from __future__ import annotations

from tfxkit.report.collect import NodeState
from tfxkit.report.dag import run_dag, state_label


def test_states_colours_and_edges():
    nodes = [NodeState("CsvExampleGen", "cached"), NodeState("Trainer", "failed", 2.0), NodeState("Pusher", "skipped")]
    dot = run_dag(nodes, [("CsvExampleGen", "Trainer"), ("Trainer", "Pusher"), ("Trainer", "Unknown")])
    assert '"Trainer" [label="Trainer\\nFAILED after 2.0 s", fillcolor="#fcbba1", color="#cb181d"' in dot
    assert 'style="rounded,filled,dashed", id="node-Pusher"' in dot
    assert '  "CsvExampleGen" -> "Trainer";' in dot and '"Unknown"' not in dot
    assert [state_label(n) for n in nodes] == ["cached", "FAILED after 2.0 s", "SKIPPED"]
    assert state_label(NodeState("Evaluator", "complete", 3.14)) == "3.1 s"
