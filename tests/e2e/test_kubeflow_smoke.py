"""End to end: the penguin pipeline compiled for Kubeflow runs, task by task, and pushes a model
as accurate as the local runner's.

One module fixture compiles and smoke-runs penguin once (`tfxkit compile --smoke-run`); the
accuracy comparison uses the session's local run of the same spec (tests/e2e/conftest.py). Every compiled
task is a subprocess with the compiled command and arguments (about a minute each, mostly
TFX imports), so this module takes about 8-10 minutes on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.e2e.conftest import printed_metric

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
CLUSTER = ["--image", "registry.example.com/ml/tfxkit:1", "--pipeline-root", "gs://tfxkit-test/root",
           "--set", "kubeflow.data=baked"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, penguin_first_run):
    base = tmp_path_factory.mktemp("kubeflow")
    smoke = run_cli("compile", SPEC, "--smoke-run", str(base / "smoke"), *CLUSTER, timeout=1800)
    return {"base": base, "smoke": smoke, "local": penguin_first_run[1]}


def artifacts(base: Path, title: str) -> list[dict]:
    registry = json.loads((base / "smoke" / "artifacts.json").read_text())
    return [a for a in registry if a["schema_title"] == title]


def test_smoke_run_executes_every_compiled_task_and_pushes(runs):
    smoke = runs["smoke"]
    assert smoke.code == 0, smoke.stderr[-3000:] + smoke.stdout[-2000:]
    assert "smoke run ok" in smoke.stdout
    compiled = json.loads((runs["base"] / "smoke" / "pipeline.json").read_text())
    executors = compiled["deploymentSpec"]["executors"]
    containers = {t for t, task in compiled["root"]["dag"]["tasks"].items()
                  if "container" in executors[compiled["components"][task["componentRef"]["name"]]["executorLabel"]]}
    assert containers >= {"CsvExampleGen", "AnomaliesGate", "Transform", "Trainer", "Evaluator", "Pusher"}
    logs = next((runs["base"] / "smoke" / "logs").iterdir())
    for task in containers:  # each ran through TFX's V2 entrypoint with the compiled arguments
        text = (logs / f"{task}.executor.log").read_text()
        assert "Starting executor" in text, task
    assert "Calculated fingerprint" in (logs / "CsvExampleGen.driver.log").read_text()
    pushed = artifacts(runs["base"], "tfx.PushedModel")
    assert pushed and pushed[-1]["metadata"]["pushed"] == 1
    destination = Path(pushed[-1]["metadata"]["pushed_destination"])
    assert destination.is_relative_to(runs["base"] / "smoke" / "root" / "serving")
    assert (destination / "saved_model.pb").exists()


def test_smoke_run_model_is_as_accurate_as_the_local_run(runs):
    from tfxkit.runners.evaluation import overall_metrics

    assert runs["local"].code == 0, runs["local"].stderr[-3000:]
    evaluation = artifacts(runs["base"], "tfx.ModelEvaluation")[-1]["uri"]
    kubeflow = overall_metrics(evaluation)["sparse_categorical_accuracy"]
    local = printed_metric(runs["local"], "accuracy")  # the shared local run of the same spec
    print(f"accuracy: kubeflow smoke run {kubeflow:.4f}, local run {local:.4f}")
    assert kubeflow >= 0.9 and abs(kubeflow - local) <= 0.02, (kubeflow, local)
    blessing = artifacts(runs["base"], "tfx.ModelBlessing")[-1]
    assert blessing["metadata"]["blessed"] == 1
