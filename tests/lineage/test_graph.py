"""tfxkit.lineage.graph: producers skip cached executions, consumers, runs of executions, recorded facts."""

from __future__ import annotations

from tfxkit.lineage.graph import Graph
from tfxkit.metadata import keys


def test_a_cached_artifact_s_producer_is_the_execution_that_made_it(lineage_history):
    h = lineage_history
    graph = Graph(h.store(), "penguin")
    examples = h.first.artifact_id("CsvExampleGen", "examples")
    producer = graph.producer(examples)
    assert producer.id == h.first.executions["CsvExampleGen"] and producer.state == "COMPLETE"
    assert graph.run_of(producer) == h.first.run_id
    # Every run's Transform read those examples (the later two from the cache), and the Evaluators too.
    transforms = graph.consumers(examples, "Transform", key="examples")
    assert [e.id for e in transforms] == [r.executions["Transform"] for r in (h.first, h.second, h.third)]
    assert [e.state for e in transforms] == ["COMPLETE", "CACHED", "CACHED"]
    assert len(graph.consumers(examples, "Evaluator")) == 3


def test_inputs_outputs_and_facts(lineage_history):
    h = lineage_history
    graph = Graph(h.store(), "penguin")
    pusher = graph.execution(h.second.executions["Pusher"])
    assert graph.inputs(pusher, "model").id == h.second.model_id
    assert graph.inputs(pusher, "model_blessing").id == h.second.artifact_id("Evaluator", "blessing")
    assert graph.output(pusher, "pushed_model").properties["pushed"] == 1
    assert graph.inputs(pusher, "nothing") is None and graph.output(None, "model") is None
    model = graph.artifact(h.second.model_id)
    assert graph.fact(model, keys.TRAINING)["trainer"]["learning_rate"]["initial"] == 0.005
    assert [a.id for a in graph.artifacts_with_fact(keys.FILES)] == [h.first.artifact_id("CsvExampleGen", "examples")]
