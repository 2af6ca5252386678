"""Warm start on real TFX: the Trainer starts from the served model's weights, and a model of another shape
stops before training in one line with nothing pushed. Runs on a copy of the shared penguin run's root,
whose store serves a model."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.e2e.conftest import copy_of_served_root

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
WARM = ("--set", "trainer.warm_start=true")


@pytest.fixture(scope="module")
def served_root(penguin_first_run, tmp_path_factory) -> Path:
    return copy_of_served_root(penguin_first_run, tmp_path_factory, "warm-start")


def _lineage(root: Path, target: str = "latest") -> dict:
    result = run_cli("lineage", SPEC, target, "--root", str(root), "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_warm_started_model_starts_from_the_served_one_and_the_audit_says_so(served_root):
    served = _lineage(served_root)["model"]
    result = run_cli("run", SPEC, "--root", str(served_root), *WARM, "--set", "trainer.epochs=3")
    assert result.code == 0, result.stderr[-3000:]
    # Blessed and pushed: three epochs from the served weights stay within the gate's 2 points of it.
    run_id = re.search(r"run (\d{8}-\d{6}-\w+)", result.stdout).group(1)
    trained = _lineage(served_root, run_id)["model"]
    assert trained["artifact_id"] != served["artifact_id"]  # a new model, trained now
    assert trained["training"]["warm_start"] == os.path.join(served["uri"], "Format-Serving")
    assert trained["training"]["training"]["epochs_run"] == 3


def test_a_model_of_another_shape_stops_before_training_in_one_line_and_pushes_nothing(served_root):
    versions = sorted(os.listdir(served_root / "serving"))
    result = run_cli("run", SPEC, "--root", str(served_root), *WARM, "--set", "model.hidden_units=[32, 8]")
    assert result.code == 1, result.stdout + result.stderr[-3000:]
    [line] = [x for x in result.stderr.splitlines() if "warm start: layer" in x]
    assert "has weights [(12, 32), (32,)] here and [(12, 16), (16,)] in the served model" in line
    assert "trainer.warm_start: false" in line and "Traceback" not in result.stderr
    assert sorted(os.listdir(served_root / "serving")) == versions
