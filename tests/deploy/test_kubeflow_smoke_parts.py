"""The smoke runner's stand-ins for KFP's launcher: task order and the baseline resolver's queries,
checked on the compiled penguin pipeline (the golden file), without running anything."""

from __future__ import annotations

import json

from tests.conftest import REPO_ROOT
from tfxkit.dag.nodes import RESOLVER_ID
from tfxkit.deploy.smoke import _resolve, topological_order

SPEC = json.loads((REPO_ROOT / "tests/golden/penguin.kubeflow.json").read_text())
TASKS = SPEC["root"]["dag"]["tasks"]
EXECUTORS = SPEC["deploymentSpec"]["executors"]


def resolver(task: str) -> dict:
    return EXECUTORS[SPEC["components"][task]["executorLabel"]]["resolver"]


def test_tasks_run_after_everything_they_depend_on():
    order = topological_order(TASKS)
    assert sorted(order) == sorted(TASKS)
    for name, task in TASKS.items():
        for dep in task.get("dependentTasks", []):
            assert order.index(dep) < order.index(name), (dep, name)
    assert order.index("AnomaliesGate") < order.index("Transform") < order.index("Trainer") < order.index("Pusher")


def model(name: str) -> dict:
    return {"name": name, "schema_title": "tfx.Model", "state": "LIVE", "uri": f"/r/{name}", "metadata": {},
            "type": {"schemaTitle": "tfx.Model"}}


def blessing(name: str, model_name: str, blessed: int) -> dict:
    return {"name": name, "schema_title": "tfx.ModelBlessing", "state": "LIVE", "uri": f"/r/{name}",
            "type": {"schemaTitle": "tfx.ModelBlessing"},
            "metadata": {"blessed": blessed, "current_model_id": model_name}}


def test_first_run_has_no_baseline():
    found = _resolve(resolver(f"{RESOLVER_ID}-model-blessing-resolver"), {}, [model("m1")])
    assert found == {"model_blessing": []}
    assert _resolve(resolver(f"{RESOLVER_ID}-model-resolver"), {"input": []}, [model("m1")]) == {"model": []}


def test_baseline_is_the_model_of_the_latest_positive_blessing():
    registry = [model("m1"), blessing("b1", "m1", 1), model("m2"), blessing("b2", "m2", 1),
                model("m3"), blessing("b3", "m3", 0)]
    found = _resolve(resolver(f"{RESOLVER_ID}-model-blessing-resolver"), {}, registry)
    assert [a["name"] for a in found["model_blessing"]] == ["b2"]  # b3 was not blessed
    baseline = _resolve(resolver(f"{RESOLVER_ID}-model-resolver"), {"input": found["model_blessing"]}, registry)
    assert [a["name"] for a in baseline["model"]] == ["m2"]
