"""The multi_worker launcher: TF_CONFIG per worker, waiting for all, and one line when a worker dies.

The workers here are small Python commands standing in for `python -m tfxkit.modules.multi_worker`
(the real training under MultiWorkerMirroredStrategy is tests/e2e/test_devices.py's).
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from tfxkit.modules.hardware import plan_hardware
from tfxkit.modules.multi_worker import exit_text, free_ports, run_workers, tf_config
from tfxkit.modules.training_job import TrainingJob


def job(tmp_path) -> TrainingJob:
    return TrainingJob({"trainer": {"workers": 2}}, {}, ["t"], ["e"], "tf", str(tmp_path / "model"),
                       str(tmp_path / "run"), None, None)


def worker(code: str) -> list[str]:
    """A worker command: `code` runs with `job_file`, `index` and `config` (its TF_CONFIG) defined."""
    prelude = "import json, os, sys, signal, time; job_file, index = sys.argv[1], int(sys.argv[2]); " \
              "config = json.loads(os.environ['TF_CONFIG']); "
    return [sys.executable, "-c", prelude + code]


def test_tf_config_names_every_worker_and_this_one():
    ports = free_ports(3)
    assert len(set(ports)) == 3
    config = tf_config(ports, 1)
    assert config == {"cluster": {"worker": [f"localhost:{p}" for p in ports]}, "task": {"type": "worker", "index": 1}}


def test_every_worker_gets_the_job_and_its_index(tmp_path):
    out = tmp_path / "seen"
    out.mkdir()
    run_workers(job(tmp_path), 2, worker(
        f"open(os.path.join({str(out)!r}, str(index)), 'w').write(json.dumps([config, json.load(open(job_file))]))"))
    seen = {int(p.name): json.loads(p.read_text()) for p in out.iterdir()}
    assert sorted(seen) == [0, 1]
    assert seen[0][0]["cluster"] == seen[1][0]["cluster"] and len(seen[0][0]["cluster"]["worker"]) == 2
    assert [seen[i][0]["task"]["index"] for i in (0, 1)] == [0, 1]
    assert seen[1][1]["serving_model_dir"] == str(tmp_path / "model")


@pytest.mark.parametrize("code,ending", [("sys.exit(3)", "exited with code 3"),
                                          ("os.kill(os.getpid(), signal.SIGKILL)", "was killed (SIGKILL)")])
def test_a_worker_that_dies_stops_the_others_with_one_line(tmp_path, code, ending):
    started = time.monotonic()
    with pytest.raises(RuntimeError) as info:
        run_workers(job(tmp_path), 2, worker(f"time.sleep(0.5) if index == 1 else time.sleep(120); {code}"))
    message = str(info.value)
    assert message.startswith(f"trainer.distribution multi_worker: worker 1 of 2 {ending}; the other workers were "
                              "stopped and the Trainer wrote no model")
    assert "\n" not in message
    log = Path(message.split("(worker log: ")[1].rstrip(")"))
    assert log.name == "worker-1.log" and log.is_file()  # kept for the person reading the error
    shutil.rmtree(log.parent)
    assert time.monotonic() - started < 60  # worker 0 (sleeping 120 s) was stopped, not waited for


def test_exit_text():
    assert exit_text(2) == "exited with code 2"
    assert exit_text(-15) == "was killed (SIGTERM)"


def test_plan_for_two_workers():
    plan = plan_hardware("multi_worker", "on", [], workers=2)
    assert (plan.strategy, plan.replicas, plan.precision) == ("multi_worker", 2, "mixed_bfloat16")
    assert plan.short() == "2 replicas (CPU worker processes), mixed_bfloat16"
    assert plan.record(16)["global_batch_size"] == 32 and plan.record(16)["workers"] == 2
    with pytest.raises(ValueError):
        plan_hardware("multi_worker", "off", [])
