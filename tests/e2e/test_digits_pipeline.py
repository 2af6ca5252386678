"""End to end: pipelines/digits.yaml — CNN, cosine schedule with warm-up, early stopping.

Also: a Trainer killed mid-training resumes from its last epoch checkpoint when
the run is retried.
"""

from __future__ import annotations

import glob
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.e2e.conftest import executions_in_state, wait_for
from tfxkit.config.metadata_url import MetadataUrl
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.runs import latest_run_id, node_runs
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e
SPEC = "pipelines/digits.yaml"


def nodes_of(root: Path):
    store = Store(connection_config(MetadataUrl("sqlite", path=str(root / "metadata.sqlite"))))
    return node_runs(store, "digits", latest_run_id(store, "digits"))


def epochs_logged(log_text: str) -> list[int]:
    return [int(n) for n in re.findall(r"INFO absl: epoch (\d+): ", log_text)]


def test_digits_cnn_reaches_95_percent_and_logs_the_learning_rate(tmp_path):
    import tensorflow as tf

    result = run_cli("run", SPEC, "--root", str(tmp_path))
    assert result.code == 0, result.stderr[-3000:]
    accuracy = float(result.stdout.split("metric accuracy = ")[1].split()[0])
    assert accuracy >= 0.95

    nodes = nodes_of(tmp_path)
    assert nodes["Trainer"].state == "COMPLETE"
    model_run = nodes["Trainer"].output("model_run").uri
    rates = []
    for path in glob.glob(os.path.join(model_run, "train", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == "epoch_learning_rate":
                    rates.append(float(tf.make_ndarray(value.tensor)))
    assert len(rates) >= 3  # else the pairwise check below compares nothing
    # Cosine decay after warm-up: the rate falls from epoch to epoch, below the initial 0.003.
    assert all(b < a for a, b in zip(rates[1:], rates[2:]))
    assert max(rates) <= 0.003 + 1e-9


def test_killed_trainer_resumes_from_its_last_epoch(tmp_path):
    overrides = ["--set", "trainer.epochs=60", "--set", "trainer.early_stopping=null",
                 "--set", "trainer.batch_size=8", "--set", "evaluation.thresholds.accuracy.lower_bound=0.5"]
    cmd = [sys.executable, "-m", "tfxkit", "run", SPEC, "--root", str(tmp_path), *overrides]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    logs = tmp_path / "logs"

    def logged() -> str:
        return "".join(p.read_text(errors="replace") for p in logs.glob("*.log")) if logs.exists() else ""

    try:  # the Trainer RUNNING in MLMD, then its third epoch logged (and backed up) before the kill
        wait_for(lambda: proc.poll() is not None or executions_in_state(tmp_path, "Trainer") > 0,
                 "the Trainer RUNNING in MLMD", timeout=600, every=0.2)
        wait_for(lambda: proc.poll() is not None or max(epochs_logged(logged()), default=0) >= 3,
                 "the Trainer's third epoch", timeout=600, every=0.2)
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first_log = next(logs.glob("*.log")).read_text(errors="replace")
    killed_at = max(epochs_logged(first_log))
    assert 3 <= killed_at < 60

    retry = run_cli("run", SPEC, "--root", str(tmp_path), *overrides)
    assert retry.code == 0, retry.stderr[-3000:]
    retry_log = max(logs.glob("*.log"), key=os.path.getmtime).read_text(errors="replace")
    resumed = epochs_logged(retry_log)
    # BackupAndRestore saved every epoch; the retry starts after the last saved one, not at epoch 1.
    assert resumed[0] > 1
    assert resumed[0] <= killed_at + 1
    assert resumed[-1] == 60
    assert nodes_of(tmp_path)["Trainer"].state == "COMPLETE"
