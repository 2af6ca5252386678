"""Ctrl-C during a run: Python drops a KeyboardInterrupt that lands in a finalizer ("Exception ignored"),
so the runner raises it again until it has left the run (seen: a Ctrl-C during Transform let the run finish)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tfxkit.runners.interrupt import interruptible


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
