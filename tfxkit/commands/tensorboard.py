"""`tfxkit tensorboard FILE [RUN]`: TensorBoard on a run's logs (the Trainer's and every tuner trial's).

Each log folder is labelled by the run id (`RUN/trainer`, `RUN/trial-N`), so
runs opened side by side stay apart. The command prints the URL once
TensorBoard answers, and serves until interrupted (Ctrl+C).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from tfxkit.commands.audit import add_audit_args, compute_answer
from tfxkit.commands.common import EXIT_RUN_FAILED, CommandError, counted

DEFAULT_PORT = 6006
_START_SECONDS = 180  # TensorBoard imports TensorFlow when it is installed: a slow start on a busy machine


def run(args: argparse.Namespace) -> int:
    def compute(audit):
        from tfxkit.report.collect import run_log_dirs

        return run_log_dirs(audit.store, audit.pipeline, audit.positionals[0] if audit.positionals else "latest")

    run_id, dirs = compute_answer(args, compute, max_positionals=1)
    if not dirs:
        raise CommandError(f"run {run_id} has no TensorBoard logs (nothing was trained, or its folders are gone)")
    port = args.port or _free_port(DEFAULT_PORT)
    command = [sys.executable, "-m", "tensorboard.main", "--logdir_spec",
               ",".join(f"{label}:{path}" for label, path in dirs.items()), "--port", str(port), "--host", args.host]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` stops TensorBoard too, as Ctrl+C does
    errors = tempfile.TemporaryFile(mode="w+")  # not a pipe: a long-running server would fill it and block
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, text=True, env=env)
    url = f"http://{'localhost' if args.host in ('localhost', '127.0.0.1') else args.host}:{port}/"
    try:
        if not _wait_until_serving(server, url):
            server.kill()
            server.wait()
            errors.seek(0)
            error = errors.read().strip().splitlines()
            raise CommandError(f"TensorBoard did not start: {error[-1] if error else 'no answer on ' + url}",
                               EXIT_RUN_FAILED)
        for label, path in dirs.items():
            print(f"  {label:<28} {path}")
        print(f"TensorBoard for run {run_id} at {url} (Ctrl+C stops it)", flush=True)
        return server.wait() and EXIT_RUN_FAILED
    except KeyboardInterrupt:
        return 0
    finally:
        errors.close()
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _free_port(preferred: int) -> int:
    """TensorBoard's usual port when it is free, else one the system picks."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise CommandError("no free port for TensorBoard", EXIT_RUN_FAILED)


def _wait_until_serving(server: subprocess.Popen, url: str) -> bool:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return answer.status == 200
        except OSError:
            time.sleep(0.5)
    return False


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tensorboard", help="start TensorBoard on a run's training logs (all tuner trials too)")
    add_audit_args(p, "FILE [RUN]", formats=("text",))
    p.add_argument("--port", type=counted(1, 65535), help=f"port to serve on (default {DEFAULT_PORT}, or a free one)")
    p.add_argument("--host", default="localhost", help="address to bind (default localhost)")
    p.set_defaults(func=run)
