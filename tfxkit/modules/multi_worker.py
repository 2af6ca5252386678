"""`trainer.distribution: multi_worker`: MultiWorkerMirroredStrategy over N worker processes on this host.

TensorFlow's collective ops are configured from TF_CONFIG when its runtime
initialises, and the Trainer's process (in the local runner, the one Transform
ran in) has initialised it long before. So the Trainer starts N fresh
processes, `python -m tfxkit.modules.multi_worker JOB INDEX`, each with a
TF_CONFIG naming all N on loopback ports the Trainer picked, and waits.
Worker 0 is the chief: its SavedModel and trained config are the Trainer's
outputs. The others train and save alike (the save reads variables
collectively) into a scratch folder. A worker that dies leaves the others
blocked in a collective, so the Trainer stops them all and fails with one line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from absl import logging

from tfxkit.modules.process_setup import prepare_tfx_process
from tfxkit.modules.training_job import TrainingJob

WORKER_LOG_LINES = 20  # of each worker's output, copied into the run's log


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports that were free a moment ago (held open together so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int) -> dict:
    """TF_CONFIG for worker `index` of a cluster of loopback workers."""
    return {"cluster": {"worker": [f"localhost:{port}" for port in ports]}, "task": {"type": "worker", "index": index}}


def exit_text(code: int) -> str:
    """How a worker ended, for the one-line error: "was killed (SIGKILL)" or "exited with code 3"."""
    if code < 0:
        try:
            return f"was killed ({signal.Signals(-code).name})"
        except ValueError:
            return f"was killed (signal {-code})"
    return f"exited with code {code}"


def run_workers(job: TrainingJob, workers: int, command: list[str] | None = None, poll_seconds: float = 0.2) -> None:
    """Train `job` in `workers` processes (`command` + [job file, index]; default this module) and wait for all.

    Raises RuntimeError naming the first worker that failed, after stopping the others.
    """
    scratch = tempfile.mkdtemp(prefix="tfxkit-workers-")
    job_file = os.path.join(scratch, "job.json")
    with open(job_file, "w", encoding="utf-8") as fh:
        fh.write(job.to_json())
    ports = free_ports(workers)
    logging.info("tfxkit trainer: starting %d workers on localhost ports %s (scratch %s)", workers, ports, scratch)
    command = command or [sys.executable, "-m", __name__]
    procs, logs = [], [os.path.join(scratch, f"worker-{i}.log") for i in range(workers)]
    try:
        for index in range(workers):
            env = dict(os.environ, TF_CONFIG=json.dumps(tf_config(ports, index)))
            with open(logs[index], "w", encoding="utf-8") as out:
                procs.append(subprocess.Popen([*command, job_file, str(index)], stdout=out, stderr=subprocess.STDOUT,
                                              env=env))
        failed = _wait(procs, poll_seconds)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for index, path in enumerate(logs):
            logging.info("tfxkit trainer: worker %d's last lines:\n%s", index, _tail(path))
    if failed is not None:
        index, code = failed
        raise RuntimeError(f"trainer.distribution multi_worker: worker {index} of {workers} {exit_text(code)}; the "
                           f"other workers were stopped and the Trainer wrote no model (worker log: {logs[index]})")
    shutil.rmtree(scratch, ignore_errors=True)


def _wait(procs: list[subprocess.Popen], poll_seconds: float) -> tuple[int, int] | None:
    """Until all exit 0 (None), or the first to fail: (its index, its exit code)."""
    while True:
        codes = [proc.poll() for proc in procs]
        for index, code in enumerate(codes):
            if code not in (None, 0):
                return index, code
        if all(code == 0 for code in codes):
            return None
        time.sleep(poll_seconds)


def _tail(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return "".join(fh.readlines()[-WORKER_LOG_LINES:])
    except OSError:
        return "(no output)"


def worker_main(job_file: str, index: int) -> None:
    """One worker: the job under MultiWorkerMirroredStrategy; the chief (0) writes the Trainer's outputs."""
    prepare_tfx_process()  # before anything imports keras_tuner or tfx.components
    from tfxkit.modules.hardware import make_strategy, plan_hardware
    from tfxkit.modules.training_run import train_and_export

    logging.set_verbosity(logging.INFO)
    with open(job_file, encoding="utf-8") as fh:
        job = TrainingJob.from_json(fh.read())
    trainer = job.config["trainer"]
    plan = plan_hardware(trainer["distribution"], trainer["mixed_precision"], [], None, trainer["workers"])
    strategy = make_strategy(plan)
    if index != 0:
        job = job.elsewhere(os.path.join(os.path.dirname(job_file), f"worker-{index}"))
    train_and_export(job, plan, strategy)
    logging.info("tfxkit trainer: worker %d of %d done", index, trainer["workers"])


if __name__ == "__main__":
    worker_main(sys.argv[1], int(sys.argv[2]))
