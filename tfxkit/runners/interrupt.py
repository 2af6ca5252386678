"""Ctrl-C during a run: stop it for sure, and leave MLMD saying where it stopped.

A run stopped by Ctrl-C keeps its finished components in TFX's cache, so
running the same command again resumes; the executions it left RUNNING are
marked CANCELED, or every later audit would show them as still running.
"""

from __future__ import annotations

import _thread
import contextlib
import logging
import signal
import sys
import threading
import time
from typing import Iterator

from tfxkit.metadata.store import Store
from tfxkit.runners.logs import PrintToLog

INTERRUPTED_ERROR = "interrupted (Ctrl-C)"  # the error recorded for an interrupted run


class Interrupted(KeyboardInterrupt):
    """The Ctrl-C that stopped a run, and when it came (seconds since the epoch)."""

    def __init__(self, at: float):
        super().__init__()
        self.at = at


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Make one Ctrl-C stop the run for sure, and leave the user one line to read.

    Python raises KeyboardInterrupt wherever the main thread is; when that is a
    finalizer or weakref callback (TFX and Beam make many), Python prints
    "Exception ignored" with a traceback and the run goes on. So once Ctrl-C
    came, it is raised again every second until it has left the runner.

    Libraries also catch it and raise an error of their own in its place
    (Beam's DoFn runner re-raises it as a RuntimeError naming the step, since a
    KeyboardInterrupt has no message to extend), or print its traceback. So
    after a Ctrl-C, what the run prints to stderr goes to the run log, and
    whatever error leaves the run is that Ctrl-C: logged, and raised again as
    `Interrupted`, a KeyboardInterrupt that says when the Ctrl-C came.
    """
    done = threading.Event()
    console = sys.stderr
    came: list[float] = []  # when the Ctrl-C came, once it has

    def on_sigint(signum, frame):
        if not came:
            came.append(time.time())
            sys.stderr = PrintToLog("stderr")
        raise Interrupted(came[0])

    def repeat() -> None:
        while not done.wait(1.0):
            if came:
                _thread.interrupt_main()

    previous = signal.signal(signal.SIGINT, on_sigint)
    watcher = threading.Thread(target=repeat, name="tfxkit-ctrl-c", daemon=True)
    watcher.start()
    try:
        yield
    except (Exception, KeyboardInterrupt) as exc:
        if not came or isinstance(exc, Interrupted):
            raise
        logging.getLogger("tfxkit").info("Ctrl-C ended the run as %s", type(exc).__name__, exc_info=exc)
        raise Interrupted(came[0]) from exc
    finally:
        done.set()
        watcher.join()
        if came:
            sys.stderr.flush()
            sys.stderr = console
        # After a Ctrl-C, a repeat already on its way must not break the recording of where the run stopped.
        signal.signal(signal.SIGINT, (lambda *_: None) if came else previous)


def mark_canceled(store: Store, run_id: str, ctrl_c: Interrupted) -> None:
    """Close the executions the interrupted run stopped: those it left RUNNING (TFX never will, and an
    audit would otherwise show them running forever), and those TFX marked FAILED after the Ctrl-C
    came, which failed on the error a library raised for it."""
    store.cancel_stopped(run_id, since_ms=int(ctrl_c.at * 1000))
