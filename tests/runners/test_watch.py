"""`tfxkit watch`: looks at the data path, runs when a new span or version appears, one line per decision.

The clock, the sleep and the run are injected: no real sleep, no TensorFlow. The run stands in for
`tfxkit run` by recording what a successful run records for the up-to-date check (its fingerprint),
so the next look over the same data is up to date, as after a real run.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.dag.test_spans_plan import spec, write_csv
from tfxkit.commands.common import load
from tfxkit.metadata import keys
from tfxkit.metadata.connection import spec_connection_config
from tfxkit.metadata.store import Store
from tfxkit.runners.up_to_date import record_outcome
from tfxkit.runners.watch import STATE_FILE, Watcher, look_at, parse_every


class Clock:
    """Starts at 10:03; a sleep moves it on and does what the test planned for that pause."""

    def __init__(self, plan: list):
        self.now = datetime.datetime(2024, 5, 1, 10, 3)
        self.plan = plan

    def __call__(self) -> datetime.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)
        step = self.plan.pop(0) if self.plan else KeyboardInterrupt
        if step is KeyboardInterrupt:
            raise KeyboardInterrupt
        step()


class FakeRun:
    """A successful run as the up-to-date check sees it; `codes` gives the exit status of each run."""

    def __init__(self, codes: list[int] | None = None):
        self.started = 0
        self.codes = codes or []

    def __call__(self, loaded) -> int:
        self.started += 1
        code = self.codes.pop(0) if self.codes else 0
        if code == 0:
            fingerprint = look_at(loaded).fingerprint
            store = Store(spec_connection_config(loaded))
            run_id = f"run-{self.started}"
            store.start_run(run_id, {keys.PIPELINE: loaded.spec.pipeline.name})
            record_outcome(store, run_id, fingerprint, {"pushed_to": None, "not_pushed_reason": "test",
                                                        "metrics": {}})
        return code


def watcher(path: Path, run: FakeRun, clock: Clock, lines: list[str], every: int = 600) -> Watcher:
    args = type("Args", (), {"set": None, "root": None})()
    return Watcher(load=lambda: load(str(path), args), run=run, every=every, write=lines.append, clock=clock,
                   sleep=clock.sleep)


@pytest.fixture
def spans(tmp_path):
    for span in (1, 2):
        write_csv(tmp_path / f"data/span-{span}/part-0.csv")
    return spec(tmp_path, "path: data/span-{SPAN}/part-*.csv, spans: {last: 2}")


def test_a_span_written_between_two_looks_triggers_exactly_one_run(tmp_path, spans):
    lines: list[str] = []
    clock = Clock([lambda: None, lambda: write_csv(tmp_path / "data/span-3/part-0.csv"), lambda: None])
    run = FakeRun()
    assert watcher(spans, run, clock, lines).forever() == 130
    assert run.started == 2
    assert lines == [
        "tfxkit watch: 10:03 first look (span 2): running",
        "tfxkit watch: 10:03 run ended (exit 0); next look at 10:13",
        "tfxkit watch: 10:13 no new span since run run-1 (newest: span 2); next look at 10:23",
        "tfxkit watch: 10:23 span 3 appeared: running",
        "tfxkit watch: 10:23 run ended (exit 0); next look at 10:33",
        "tfxkit watch: 10:33 no new span since run run-2 (newest: span 3); next look at 10:43",
        "tfxkit watch: 10:43 stopped (Ctrl-C)",
    ]


def test_an_unchanged_look_runs_nothing_and_once_exits_0(tmp_path, spans):
    run, lines = FakeRun(), []
    w = watcher(spans, run, Clock([]), lines)
    assert w.once() == 0 and run.started == 1
    assert w.once() == 0 and w.once() == 0
    assert run.started == 1
    assert lines[-1] == "tfxkit watch: 10:03 no new span since run run-1 (newest: span 2)"
    assert json.loads((tmp_path / "runs" / STATE_FILE).read_text())["spans"] == {"1": None, "2": None}


def test_a_new_version_and_a_span_outside_the_window(tmp_path):
    for span, version in ((1, 1), (2, 1)):
        write_csv(tmp_path / f"data/span-{span}/v{version}/part-0.csv")
    path = spec(tmp_path, "path: data/span-{SPAN}/v{VERSION}/part-*.csv, spans: {from: 1, to: 2}")
    run, lines = FakeRun(), []
    w = watcher(path, run, Clock([]), lines)
    w.once()
    write_csv(tmp_path / "data/span-2/v2/part-0.csv")
    w.once()
    assert lines[-1] == "tfxkit watch: 10:03 span 2 version 2 appeared: running"
    write_csv(tmp_path / "data/span-3/v1/part-0.csv")  # outside {from: 1, to: 2}: nothing a run reads changed
    w.once()
    assert run.started == 2
    assert lines[-1] == "tfxkit watch: 10:03 no new span since run run-2 (newest: span 3 version 1)"


def test_a_failed_run_is_not_retried_until_something_changes(tmp_path, spans):
    run, lines = FakeRun(codes=[1]), []
    w = watcher(spans, run, Clock([]), lines)
    assert w.once() == 1
    assert w.once() == 0
    assert run.started == 1
    assert lines[-1] == "tfxkit watch: 10:03 no new span since the last run failed (newest: span 2)"
    write_csv(tmp_path / "data/span-3/part-0.csv")
    assert w.once() == 0 and run.started == 2
    assert lines[-1] == "tfxkit watch: 10:03 span 3 appeared: running"


def test_an_interrupted_run_stops_the_watch_and_is_resumed_by_the_next(tmp_path, spans):
    run, lines = FakeRun(codes=[130]), []
    clock = Clock([lambda: None])
    assert watcher(spans, run, clock, lines).forever() == 130
    assert lines == ["tfxkit watch: 10:03 first look (span 2): running"]  # the run said where it stopped
    assert watcher(spans, run, clock, lines).once() == 0 and run.started == 2


def test_a_plain_path_runs_when_the_files_change(tmp_path):
    write_csv(tmp_path / "data.csv")
    path = spec(tmp_path, "path: data.csv")
    run, lines = FakeRun(), []
    w = watcher(path, run, Clock([]), lines, every=30)
    w.once()
    w.once()
    assert lines[-1] == "tfxkit watch: 10:03:00 data unchanged since run run-1 (newest: 1 data file)"
    (tmp_path / "data.csv").write_text((tmp_path / "data.csv").read_text() + "9.0,18.0,b\n")
    w.once()
    assert lines[-1] == "tfxkit watch: 10:03:00 the data files changed: running" and run.started == 2


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("10m", 600), ("1h", 3600)])
def test_every_accepts_seconds_minutes_and_hours(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["10", "0m", "5d", "1.5h", "m"])
def test_a_bad_every_is_refused_in_one_line(text, spans):
    result = run_cli("watch", str(spans), "--every", text)
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tfxkit: watch: argument --every: ")
    assert "expected a duration like 30s, 10m or 1h" in result.stderr
