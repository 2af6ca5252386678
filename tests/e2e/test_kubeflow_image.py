"""Compiled tasks run inside the built image (podman or docker), exactly as compiled.

Needs an image built from the committed Dockerfile (`make image`, or podman build; see
docs/kubeflow.md) named by TFXKIT_TEST_IMAGE; skipped otherwise, since building it takes minutes
and a base image. The tasks with no upstream inputs run: ImportSchemaGen (the baked
curated schema) and CsvExampleGen (its driver, then its executor, on the baked data),
with outputs on a mounted folder standing in for the pipeline root and no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from tfxkit.deploy.smoke import _fill, _parameters

pytestmark = pytest.mark.e2e
IMAGE = os.environ.get("TFXKIT_TEST_IMAGE")
ENGINE = shutil.which("podman") or shutil.which("docker")
# podman inside an unprivileged container host: runc with cgroupfs (crun refuses hybrid cgroups).
ENGINE_ARGS = os.environ.get("TFXKIT_TEST_ENGINE_ARGS", "--cgroup-manager cgroupfs --runtime runc").split() \
    if ENGINE and ENGINE.endswith("podman") else []


@pytest.mark.skipif(not IMAGE or not ENGINE, reason="set TFXKIT_TEST_IMAGE to an image built from the Dockerfile")
@pytest.mark.parametrize("name", ["ImportSchemaGen", "CsvExampleGen"])
def test_compiled_task_runs_in_the_image(tmp_path, name):
    spec = json.loads((REPO_ROOT / "tests/golden/penguin.kubeflow.json").read_text())
    task = spec["root"]["dag"]["tasks"][name]
    component = spec["components"][task["componentRef"]["name"]]
    container = spec["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
    outputs = {key: {"artifacts": [{"name": f"image-test/{name}/{key}", "type": d["artifactType"],
                                    "uri": f"/mnt/out/{name}/{key}", "metadata": {}}]}
               for key, d in component["outputDefinitions"]["artifacts"].items()}
    executor_input = json.dumps({"inputs": _parameters(task), "outputs": {
        "artifacts": outputs, "outputFile": f"/mnt/out/{name}/executor_output.json"}})
    steps = ([container["lifecycle"]["preCacheCheck"]] if "lifecycle" in container else []) + [container]
    for part in steps:
        argv = [ENGINE, *ENGINE_ARGS, "run", "--rm", "--network", "none", "-v", f"{tmp_path}:/mnt/out", IMAGE,
                *part["command"], *[_fill(a, executor_input) for a in part["args"]]]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    produced = json.loads((tmp_path / name / "executor_output.json").read_text())
    for key in outputs:
        assert produced["artifacts"][key]["artifacts"][0]["uri"] == f"/mnt/out/{name}/{key}"
        assert any((tmp_path / name / key).rglob("*")), f"{name}.{key} wrote nothing"
