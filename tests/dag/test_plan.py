"""`tfxkit plan`: the DAG a spec becomes, without importing TFX."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.config.load import load_spec
from tfxkit.dag.nodes import GATE_ID, RESOLVER_ID, SERVED_MODEL_RESOLVER_ID
from tfxkit.dag.plan import plan_nodes

PENGUIN = REPO_ROOT / "pipelines/penguin.yaml"


def ids(nodes) -> list[str]:
    return [n.id for n in nodes]


def test_penguin_plan_wires_the_standard_components_in_order():
    nodes = plan_nodes(load_spec(PENGUIN))
    assert ids(nodes) == [
        "CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "ExampleValidator", GATE_ID,
        "Transform", "Trainer", RESOLVER_ID, "Evaluator", "Pusher",
    ]
    by_id = {n.id: n for n in nodes}
    assert by_id["Transform"].inputs == {"examples": "CsvExampleGen.examples", "schema": "ImportSchemaGen.schema"}
    assert by_id["Transform"].after == (GATE_ID,)
    assert by_id["Trainer"].inputs["examples"] == "Transform.transformed_examples"
    assert by_id["Evaluator"].inputs == {
        "examples": "CsvExampleGen.examples", "model": "Trainer.model", "baseline_model": f"{RESOLVER_ID}.model",
    }
    assert by_id[RESOLVER_ID].inputs == {"candidate": "Trainer.model"}
    assert by_id["Pusher"].inputs == {"model": "Trainer.model", "model_blessing": "Evaluator.blessing"}
    assert by_id["Pusher"].params["destination"].endswith("runs/penguin/serving")
    # Every input names an output of an earlier node.
    produced: set[str] = set()
    for node in nodes:
        assert set(node.inputs.values()) <= produced, node.id
        produced |= {f"{node.id}.{key}" for key in node.outputs}


def test_inferred_schema_no_gate_no_cache_and_tfrecord_input(tmp_path: Path):
    (tmp_path / "data.tfrecord").write_bytes(b"")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "pipeline: {name: p, root: runs, cache: false}\n"
        "data: {path: data.tfrecord, label: y}\n"
        "validation: {gate: false}\n"
        "transform: {features: {x: zscore}}\n"
        "model: {task: regression}\n"
    )
    nodes = plan_nodes(load_spec(spec))
    assert ids(nodes)[:4] == ["ImportExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator"]
    assert GATE_ID not in ids(nodes)
    assert not any(n.cached for n in nodes)
    by_id = {n.id: n for n in nodes}
    assert by_id["SchemaGen"].inputs == {"statistics": "StatisticsGen.statistics"}
    assert by_id["Transform"].after == ()
    assert [m["name"] for m in by_id["Evaluator"].params["metrics"]] == ["mse", "mae"]
    # No evaluation.thresholds: TFX's Evaluator would never bless, so the Pusher takes no blessing and the
    # plan says that every trained model is pushed.
    assert by_id["Pusher"].inputs == {"model": "Trainer.model"}
    assert by_id["Pusher"].shown["gate"].startswith("none: no evaluation thresholds")


def test_plan_cli_text_and_json():
    text = run_cli("plan", "pipelines/penguin.yaml")
    assert text.code == 0, text.stderr
    assert "5. AnomaliesGate  [AnomaliesGate (tfxkit)]  (cacheable)" in text.stdout
    assert "in   baseline_model   <- latest_blessed_model_resolver.model" in text.stdout
    as_json = run_cli("plan", "pipelines/penguin.yaml", "--json")
    assert as_json.code == 0
    assert [n["id"] for n in json.loads(as_json.stdout)][-1] == "Pusher"


def test_tuning_adds_a_tuner_feeding_the_trainer():
    nodes = {n.id: n for n in plan_nodes(load_spec(REPO_ROOT / "pipelines/penguin_tuned.yaml"))}
    assert nodes["Tuner"].inputs["examples"] == "Transform.transformed_examples"
    assert nodes["Trainer"].inputs["hyperparameters"] == "Tuner.best_hyperparameters"
    assert nodes["Tuner"].params["custom_config"]["tuning"]["max_trials"] == 3
    assert "Tuner" not in {n.id for n in plan_nodes(load_spec(PENGUIN))}


def test_warm_start_feeds_the_served_model_to_the_trainer_as_its_base_model():
    nodes = plan_nodes(load_spec(PENGUIN, {"trainer.warm_start": True}))
    order = ids(nodes)
    assert order.index(SERVED_MODEL_RESOLVER_ID) < order.index("Trainer") < order.index(RESOLVER_ID)
    by_id = {n.id: n for n in nodes}
    assert by_id["Trainer"].inputs["base_model"] == f"{SERVED_MODEL_RESOLVER_ID}.model"
    assert by_id[SERVED_MODEL_RESOLVER_ID].params == {"strategy": "latest_pushed"}
    assert not by_id[SERVED_MODEL_RESOLVER_ID].cached  # a resolver looks again at every run
    assert by_id["Trainer"].params["custom_config"]["trainer"]["warm_start"] is True
    assert SERVED_MODEL_RESOLVER_ID not in ids(plan_nodes(load_spec(PENGUIN)))


def test_on_kubeflow_both_resolvers_use_tfx_s_own_strategy():
    from tfxkit.dag.plan import ClusterTarget

    cluster = ClusterTarget("penguin", "image", "gs://root", "gs://data/penguins.csv", None, "gs://root/serving")
    by_id = {n.id: n for n in plan_nodes(load_spec(PENGUIN, {"trainer.warm_start": True}), cluster)}
    assert by_id[SERVED_MODEL_RESOLVER_ID].params == by_id[RESOLVER_ID].params == {"strategy": "latest_blessed"}
    assert by_id[RESOLVER_ID].inputs == {}  # TFX's strategy takes no candidate
    assert by_id["CsvExampleGen"].params["input"] == "gs://data/penguins.csv"
    assert by_id["Pusher"].params["destination"] == "gs://root/serving"
