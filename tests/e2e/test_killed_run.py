"""kill -9 during Transform: the re-run completes and reuses what finished; the audit calls the killed run
abandoned (TFX leaves its execution RUNNING in MLMD forever)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT, run_cli

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
QUICK = ["--set", "trainer.epochs=5", "--set", "evaluation.thresholds.accuracy.lower_bound=0.5"]


def test_a_run_killed_during_transform_is_abandoned_and_the_rerun_reuses_what_finished(tmp_path):
    root = tmp_path / "root"
    proc = subprocess.Popen([sys.executable, "-m", "tfxkit", "run", SPEC, "--root", str(root), *QUICK],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, PYTHONWARNINGS="ignore"))
    for line in proc.stdout:
        if line.startswith("▶ Transform"):
            time.sleep(5)  # Transform is registered RUNNING in MLMD and working (it takes 30 s and more)
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert not (root / "serving").exists()

    again = run_cli("run", SPEC, "--root", str(root), *QUICK)
    assert again.code == 0, again.stderr[-3000:]
    runs = json.loads(run_cli("runs", SPEC, "--root", str(root), "--format", "json").stdout)["runs"]
    latest, killed = runs
    assert latest["status"] == "pushed"
    assert {latest["nodes"][n] for n in ("CsvExampleGen", "StatisticsGen", "ExampleValidator")} == {"cached"}
    assert latest["nodes"]["Transform"] == "complete"
    assert killed["status"] == "abandoned" and killed["nodes"]["Transform"] == "abandoned"
    assert f"run {latest['run_id']} finished after it" in killed["reason"]
