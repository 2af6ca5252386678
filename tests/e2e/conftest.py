"""Pipeline runs shared between e2e modules (each real run costs minutes on two cores)."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, CliResult, run_cli


@pytest.fixture(scope="session")
def penguin_first_run(tmp_path_factory) -> tuple:
    """(root, result) of `tfxkit run pipelines/penguin.yaml` into a fresh root: the local reference run.

    Modules that go on to change that root (tests/e2e/test_penguin_pipeline.py) read only their own later
    runs; others read this run's printed result, never the root's "latest" artifacts.
    """
    root = tmp_path_factory.mktemp("penguin")
    result: CliResult = run_cli("run", "pipelines/penguin.yaml", "--root", str(root))
    return root, result


def copy_of_served_root(penguin_first_run, tmp_path_factory, name: str) -> Path:
    """A copy of the shared penguin run's root, for a module that goes on to change it: its store serves a model."""
    import shutil

    root, result = penguin_first_run
    assert result.code == 0, result.stderr[-2000:]
    copy = tmp_path_factory.mktemp(name) / "root"
    shutil.copytree(root, copy)
    return copy


def run_on_first_use(runs: dict, name: str, tmp_path_factory, spec: str, *args: str) -> tuple[Path, CliResult]:
    """(root, result) of `tfxkit run spec *args` into a fresh root, run the first time `name` is asked for and
    kept in `runs` (a module-scoped dict) for the module's other tests; the run must have succeeded."""
    if name not in runs:
        root = tmp_path_factory.mktemp(f"{Path(spec).stem}-{name}")
        runs[name] = root, run_cli("run", spec, "--root", str(root), *args, timeout=1800)
    root, result = runs[name]
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return root, result


def run_id_of(result: CliResult) -> str:
    """The run id from the run's last line (`run 20261205-... finished in ...`)."""
    match = re.search(r"^run (\S+) finished", result.stdout, re.M)
    assert match, result.stdout[-2000:]
    return match.group(1)


def printed_metric(result: CliResult, name: str) -> float:
    """A metric from the run's summary lines (`  metric accuracy = 0.9881`)."""
    return float(result.stdout.split(f"metric {name} = ")[1].split()[0])


@pytest.fixture(scope="session")
def penguin_tuned_run(tmp_path_factory) -> tuple:
    """(root, result) of `tfxkit run pipelines/penguin_tuned.yaml` into a fresh root: one tuned run shared
    by the tuning, report and devices tests, on 2 logical CPU replicas (the Tuner's trials as the Trainer)."""
    root = tmp_path_factory.mktemp("penguin_tuned")
    result: CliResult = run_cli("run", "pipelines/penguin_tuned.yaml", "--root", str(root),
                                "--set", "trainer.cpu_replicas=2")
    return root, result


def printed_path(result: CliResult, label: str) -> str:
    """A path from the run's summary lines (`  report   /root/reports/run-....html`)."""
    return result.stdout.split(f"  {label:<8} ")[1].split("\n")[0].strip()


def wait_for(condition, what: str, timeout: float = 300, every: float = 0.05) -> None:
    """Poll `condition` every `every` seconds until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(every)


def executions_in_state(root: Path, node: str, state: int = 2) -> int:
    """How many executions of `node` the root's MLMD store has in `state` (2 RUNNING, 3 COMPLETE); -1 while the
    run holds the database."""
    db = Path(root) / "metadata.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(  # the node's executions: those in its context (type `node`, named pipeline.node)
                "SELECT COUNT(*) FROM Execution e JOIN Association a ON a.execution_id = e.id "
                "JOIN Context c ON c.id = a.context_id JOIN Type t ON t.id = c.type_id "
                "WHERE t.name = 'node' AND c.name LIKE ? AND e.last_known_state = ?", (f"%.{node}", state)).fetchone()[0]
    except sqlite3.OperationalError:  # the run is writing: ask again
        return -1


def run_cli_watching(*args: str, timeout: int = 900, env: dict[str, str] | None = None
                     ) -> tuple[CliResult, dict[int, str]]:
    """run_cli, also noting every descendant process of the run seen while it ran ({pid: command line}),
    sampled every half second: how a test tells Beam's worker processes ran."""
    import psutil

    env = dict(env or os.environ, PYTHONWARNINGS="ignore")
    seen: dict[int, str] = {}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "tfxkit", *args], cwd=REPO_ROOT, stdout=out, stderr=err,
                                text=True, env=env)
        parent, deadline = psutil.Process(proc.pid), time.monotonic() + timeout
        try:
            while proc.poll() is None:
                assert time.monotonic() < deadline, f"tfxkit {' '.join(args)} still running after {timeout} s"
                try:
                    children = parent.children(recursive=True)
                except psutil.Error:
                    continue
                for child in children:
                    if child.pid not in seen:
                        try:
                            seen[child.pid] = " ".join(child.cmdline())
                        except psutil.Error:  # gone already
                            pass
                time.sleep(0.5)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out.seek(0)
        err.seek(0)
        return CliResult(proc.returncode, out.read(), err.read()), seen


def recorded_run(root: Path, pipeline: str) -> dict:
    """The latest run's summary as tfxkit recorded it in the root's MLMD (`tfxkit runs --format json`)."""
    import json

    result = run_cli("runs", "--metadata", f"sqlite:///{Path(root) / 'metadata.sqlite'}", "--pipeline", pipeline,
                     "--format", "json", "--limit", "1")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)["runs"][0]


FAULTS = str(Path(__file__).parent / "faults")


def kill_while_held(root: Path, node: str, *args: str, hold_file: Path | None = None,
                    ready: Callable[[], bool] | None = None, what: str = "") -> CliResult:
    """`tfxkit run ARGS`, killed with SIGKILL while `node` runs: once MLMD has its execution RUNNING and then either
    the fault hook (tests/e2e/faults/sitecustomize.py) holds it where its executor would start (`hold_file`) or
    its work reached the point `ready` checks for (`what` names it). The run's output."""
    import signal

    before = max(executions_in_state(root, node), 0)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if hold_file is not None:
        env.update(PYTHONPATH=FAULTS, TFXKIT_TEST_HOLD=node, TFXKIT_TEST_HOLD_FILE=str(hold_file))
        ready, what = hold_file.exists, f"{node} held"
    assert ready is not None, "give hold_file or ready"
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "tfxkit", "run", *args], cwd=REPO_ROOT, stdout=out,
                                stderr=err, text=True, env=env)
        try:
            wait_for(lambda: proc.poll() is not None or executions_in_state(root, node) > before,
                     f"{node} RUNNING in MLMD", timeout=900, every=0.2)
            wait_for(lambda: proc.poll() is not None or ready(), what, timeout=600, every=0.2)
            assert proc.poll() is None, f"the run ended before {node} could be killed (exit {proc.returncode})"
            proc.send_signal(signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out.seek(0)
        err.seek(0)
        return CliResult(proc.returncode, out.read(), err.read())


def penguin_rows(count: int) -> tuple[list[bytes], list[str]]:
    """`count` complete rows of data/penguins, spread over the file (so every species is there), as serialized
    tf.Examples without the label, and their species."""
    import tensorflow as tf

    with open(REPO_ROOT / "data/penguins/penguins.csv", newline="") as fh:
        complete = [r for r in csv.DictReader(fh) if all(r.values())]
    rows = complete[::len(complete) // count][:count]
    examples = []
    for r in rows:
        feature = {
            "island": tf.train.Feature(bytes_list=tf.train.BytesList(value=[r["island"].encode()])),
            "sex": tf.train.Feature(bytes_list=tf.train.BytesList(value=[r["sex"].encode()])),
            "year": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(r["year"])])),
        }
        for col in ("bill_length_mm", "bill_depth_mm"):
            feature[col] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(r[col])]))
        for col in ("flipper_length_mm", "body_mass_g"):
            feature[col] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(r[col])]))
        examples.append(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return examples, [r["species"] for r in rows]
