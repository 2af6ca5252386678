"""`tfxkit watch`: look at the data path every so often and run the pipeline when new data arrived.

For users without a scheduler. A look is cheap (no TensorFlow): the spans on disk
(the same resolution `validate` uses) and the up-to-date fingerprint of
`up_to_date` (the run `tfxkit run` would skip). When that run would be skipped
there is nothing to do; otherwise the watcher names what is new (a span, a span's
new version, changed data files) and runs the pipeline through the injected run
function (the same library call `tfxkit run` makes), which imports TensorFlow only
then. What the watcher saw last is kept in `<root>/watch.json`, so that a `--once`
from cron names what appeared too, and a run that failed on some data is not
retried until the data, the spec or the code change.

The clock, the sleep and the run are injected: the tests run without real sleeps.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from tfxkit.config.load import LoadedSpec
from tfxkit.config.sections.data import data_spans
from tfxkit.config.spans import newest_versions, span_label, spans_on_disk
from tfxkit.metadata.connection import spec_connection_config
from tfxkit.metadata.store import Store
from tfxkit.runners.beam_options import run_beam_args
from tfxkit.runners.up_to_date import input_files, inputs_fingerprint, run_fingerprint, up_to_date_outcome

EXIT_INTERRUPTED = 130
_EVERY = re.compile(r"(\d+)([smh])")
_UNITS = {"s": 1, "m": 60, "h": 3600}
STATE_FILE = "watch.json"


def parse_every(text: str) -> int:
    """Seconds between looks from '30s', '10m' or '1h'; ValueError naming what is expected."""
    match = _EVERY.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"expected a duration like 30s, 10m or 1h, got {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Look:
    """What one look found: the spans on disk ({span: newest version}, None for a plain path), the data
    files' digest, the run fingerprint, and the run it is up to date with (None: a run is due)."""

    spans: Optional[dict[int, Optional[int]]]
    dated: bool
    files: int
    fingerprint: str
    up_to_date_with: Optional[str] = None

    def newest(self) -> str:
        if not self.spans:
            return f"{self.files} data file{'s' if self.files != 1 else ''}"
        span = max(self.spans)
        version = self.spans[span]
        return f"span {span_label(span, self.dated)}" + (f" version {version}" if version is not None else "")

    def seen(self) -> dict:
        return {"spans": {str(s): v for s, v in (self.spans or {}).items()}, "fingerprint": self.fingerprint}


def look_at(loaded: LoadedSpec) -> Look:
    """One look at the data and the store (ml_metadata only, no TensorFlow)."""
    spec = loaded.spec
    resolved = loaded.resolve(spec.data.path)
    selection = data_spans(spec.data, resolved)
    spans = None
    if selection is not None:
        spans = {span: sv.version for span, sv in newest_versions(spans_on_disk(resolved)).items()}
    files = input_files(loaded)
    inputs = inputs_fingerprint(loaded, "local", run_beam_args("local", spec.pipeline.beam_args, []), files)
    if spec.pipeline.metadata is None:
        os.makedirs(loaded.resolve(spec.pipeline.root), exist_ok=True)
    store = Store(spec_connection_config(loaded))
    fingerprint = run_fingerprint(inputs, store, spec.pipeline.name)
    previous = up_to_date_outcome(store, spec.pipeline.name, fingerprint) if spec.pipeline.cache else None
    return Look(spans, bool(selection and selection.dated), len(files["data"]), fingerprint,
                previous["run_id"] if previous else None)


def what_is_new(look: Look, before: Optional[dict]) -> str:
    """'span 5 appeared', 'span 2 version 2 appeared', 'data changed', ... (before: the last look's `seen`)."""
    if before is None:
        return f"first look ({look.newest()})"
    if look.spans is None:
        return "the data files changed" if before.get("fingerprint") != look.fingerprint else "nothing new"
    old = {int(s): v for s, v in before.get("spans", {}).items()}
    label = lambda spans: ", ".join(span_label(s, look.dated) for s in spans)  # noqa: E731
    appeared = [s for s in sorted(look.spans) if s not in old]
    versions = [s for s in sorted(look.spans) if s in old and look.spans[s] != old[s]]
    gone = [s for s in sorted(old) if s not in look.spans]
    parts = [f"span{'s' if len(appeared) > 1 else ''} {label(appeared)} appeared"] if appeared else []
    parts += [f"span {label([s])} version {look.spans[s]} appeared" for s in versions]
    parts += [f"span{'s' if len(gone) > 1 else ''} {label(gone)} gone"] if gone else []
    return "; ".join(parts) or "spans unchanged, the spec, code or served model changed"


@dataclass
class Watcher:
    """Looks, decides, runs. `run(loaded)` returns the run's exit status (0 pushed, 1 failed, 3 not blessed,
    130 interrupted) and prints its own outcome; `load()` gives the spec as it is now."""

    load: Callable[[], LoadedSpec]
    run: Callable[[LoadedSpec], int]
    every: int = 600
    write: Callable[[str], None] = print
    clock: Callable[[], datetime.datetime] = datetime.datetime.now
    sleep: Optional[Callable[[float], None]] = None
    look: Optional[Callable[[LoadedSpec], Look]] = None
    runs: list = field(default_factory=list)  # exit status of each run started, in order

    def once(self, looping: bool = False) -> int:
        """One look, and a run when one is due: the run's exit status, or 0."""
        loaded = self.load()
        look = (self.look or look_at)(loaded)
        state_path = os.path.join(loaded.resolve(loaded.spec.pipeline.root), STATE_FILE)
        before = _read_state(state_path)
        stamp = self._stamp()
        if look.up_to_date_with or (before and before.get("failed") == look.fingerprint):
            why = f"since run {look.up_to_date_with}" if look.up_to_date_with else "since the last run failed"
            nothing = "no new span" if look.spans is not None else "data unchanged"
            self.write(f"tfxkit watch: {stamp} {nothing} {why} (newest: {look.newest()}){self._next(looping)}")
            _write_state(state_path, {**(before or {}), **look.seen()})
            return 0
        self.write(f"tfxkit watch: {stamp} {what_is_new(look, before)}: running")
        code = self.run(loaded)
        self.runs.append(code)
        if code != EXIT_INTERRUPTED:  # an interrupted run resumes at the next look
            _write_state(state_path, {**look.seen(), "failed": look.fingerprint if code == 1 else None})
        if looping and code != EXIT_INTERRUPTED:
            self.write(f"tfxkit watch: {self._stamp()} run ended (exit {code}){self._next(True)}")
        return code

    def forever(self) -> int:
        """Look every `every` seconds until Ctrl-C (exit 130, one line) or an interrupted run (130)."""
        try:
            while True:
                if self.once(looping=True) == EXIT_INTERRUPTED:
                    return EXIT_INTERRUPTED  # the run said where it stopped, the way `tfxkit run` does
                (self.sleep or pause)(self.every)
        except KeyboardInterrupt:
            self.write(f"tfxkit watch: {self._stamp()} stopped (Ctrl-C)")
            return EXIT_INTERRUPTED

    def _stamp(self, at: Optional[datetime.datetime] = None) -> str:
        return (at or self.clock()).strftime("%H:%M" if self.every % 60 == 0 else "%H:%M:%S")

    def _next(self, looping: bool) -> str:
        if not looping:
            return ""
        return f"; next look at {self._stamp(self.clock() + datetime.timedelta(seconds=self.every))}"


def pause(seconds: float) -> None:
    """The real wait between two looks."""
    time.sleep(seconds)


def _read_state(path: str) -> Optional[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            found = json.load(fh)
        return found if isinstance(found, dict) else None
    except (OSError, ValueError):
        return None


def _write_state(path: str, state: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(state, fh, sort_keys=True)
    os.replace(path + ".tmp", path)
