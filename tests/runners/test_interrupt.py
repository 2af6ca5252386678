"""Ctrl-C during a run: Python drops a KeyboardInterrupt that lands in a finalizer ("Exception ignored"),
so the runner raises it again until it has left the run (seen: a Ctrl-C during Transform let the run finish)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT
from tfxkit.runners.interrupt import Interrupted, interruptible


def test_a_ctrl_c_swallowed_by_a_finalizer_is_raised_again():
    previous = signal.getsignal(signal.SIGINT)
    seen = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with interruptible():
                try:
                    os.kill(os.getpid(), signal.SIGINT)
                    time.sleep(1)
                except KeyboardInterrupt:
                    seen.append("swallowed")  # what Python does with it inside a weakref callback
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:  # the run goes on ... until the repeat arrives
                    time.sleep(0.01)
                seen.append("not stopped")
        assert seen == ["swallowed"]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_without_ctrl_c_the_handler_is_restored():
    previous = signal.getsignal(signal.SIGINT)
    with interruptible():
        assert signal.getsignal(signal.SIGINT) is not previous
    assert signal.getsignal(signal.SIGINT) is previous


CHILD = """
import gc, logging, os, signal, sys, time, traceback, weakref
from tfxkit.runners.interrupt import interruptible

logging.basicConfig(filename=sys.argv[2], level=logging.INFO)  # the run log
console = sys.stderr

class Resource:
    pass

def in_a_weakref_callback():  # Python prints 'Exception ignored ... Traceback' and the run goes on
    resource = Resource()

    def on_collect(_):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)

    ref = weakref.ref(resource, on_collect)
    del resource
    gc.collect()

def printed_by_a_library():  # as Beam's SDK worker prints the traceback of a failed bundle
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
    except KeyboardInterrupt:
        traceback.print_exc()

try:
    with interruptible():
        globals()[sys.argv[1]]()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the repeat stops the run
            time.sleep(0.01)
except KeyboardInterrupt:
    print("interrupted", sys.stderr is console)  # the console is back once the run is over
"""


@pytest.mark.parametrize("where", ["in_a_weakref_callback", "printed_by_a_library"])
def test_a_traceback_printed_after_ctrl_c_goes_to_the_run_log(where, tmp_path):
    """After Ctrl-C the user reads tfxkit's one line, not the tracebacks of a run being torn down; the run log
    keeps them. In a child process: pytest replaces stderr and the hook that prints ignored exceptions."""
    log = tmp_path / "run.log"
    child = subprocess.run([sys.executable, "-c", CHILD, where, str(log)], capture_output=True, text=True,
                           timeout=60, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert child.stdout.strip() == "interrupted True", child.stdout + child.stderr
    assert "Traceback" not in child.stderr and "Exception ignored" not in child.stderr, child.stderr
    logged = log.read_text()
    assert "INFO:stderr:Traceback (most recent call last):\n" in logged and "interrupt.Interrupted" in logged, logged

def _ctrl_c_turned_into(error: BaseException) -> None:
    """A library that catches the Ctrl-C and raises its own error, as Beam's DoFn runner does
    (`_reraise_augmented`: RuntimeError("KeyboardInterrupt [while running 'step']"))."""
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt as exc:
        raise error from exc


@pytest.mark.parametrize("error", [RuntimeError("KeyboardInterrupt [while running 'Analyze']"),
                                   ValueError("Traceback (most recent call last): ..."), OSError("closed"),
                                   KeyboardInterrupt()])
def test_an_error_a_library_raises_for_the_ctrl_c_is_the_ctrl_c(error, caplog):
    previous = signal.getsignal(signal.SIGINT)
    try:
        before = time.time()
        with pytest.raises(Interrupted) as raised, caplog.at_level("INFO", logger="tfxkit"):
            with interruptible():
                _ctrl_c_turned_into(error)
        assert raised.value.__cause__ is error
        assert before <= raised.value.at <= time.time()  # when the Ctrl-C came: what failed after it is canceled
        assert f"Ctrl-C ended the run as {type(error).__name__}" in caplog.text  # the run log keeps what was raised
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_error_without_ctrl_c_is_left_as_it_is():
    error = RuntimeError("Transform failed")
    with pytest.raises(RuntimeError) as raised:
        with interruptible():
            raise error
    assert raised.value is error
