"""Console progress for a run, fed by the TFX launcher's own log lines.

TFX's runners log when a node starts and ends, each in its own words:
LocalDagRunner "Component X is running." / "Component X is finished.",
BeamDagRunner "node X is running." / "node X is finished." (from the DoFn that
runs the node, in this process whatever Beam runner the components use); the
launcher logs "A cached execution N is used." under both. A logging handler
turns those into one line per component start and finish, while the full TFX
log goes to a file.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Callable

_RUNNING = re.compile(r"^(?:Component|node) (\S+) is running\.$")
_FINISHED = re.compile(r"^(?:Component|node) (\S+) is finished\.$")
_CACHED = re.compile(r"^A cached execution \d+ is used\.$")


class ProgressHandler(logging.Handler):
    """Prints `▶ Node` when a component starts and `✓ Node  3.1 s` (or `cached`) when it ends."""

    def __init__(self, write: Callable[[str], None]):
        super().__init__(level=logging.INFO)
        self._write = write
        self._current: str | None = None
        self._started = 0.0
        self._cached = False
        self.timings: dict[str, float] = {}

    @property
    def current(self) -> str | None:
        """The component running now (the one that failed, after an exception)."""
        return self._current

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed foreign log record must not break the run
            return
        if m := _RUNNING.match(message):
            self._current, self._started, self._cached = m.group(1), time.monotonic(), False
            self._write(f"▶ {self._current}")
        elif _CACHED.match(message):
            self._cached = True
        elif (m := _FINISHED.match(message)) and m.group(1) == self._current:
            elapsed = time.monotonic() - self._started
            self.timings[self._current] = elapsed
            self._write(f"✓ {self._current:<34} {'cached' if self._cached else f'{elapsed:6.1f} s'}")
            self._current = None
