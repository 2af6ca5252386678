"""Data that arrives in spans: the pattern, the window and the exclusions, one located line each."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tests.config.spec_files import CSV, errors_of, write_spec
from tfxkit.config.load import load_spec
from tfxkit.config.paths import data_files, split_input
from tfxkit.config.sections.data import data_spans


def spans(tmp_path: Path, names: list[str], text: str = CSV) -> None:
    """Data files at the given paths under tmp_path/data."""
    for name in names:
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def spec(tmp_path: Path, data_lines: str) -> Path:
    """BASE with line 7 (`path: data.csv`) replaced by `data_lines`."""
    return write_spec(tmp_path, ("  path: data.csv\n", data_lines), data=False)


def selected(path: Path) -> list[tuple[int, int | None]]:
    loaded = load_spec(path)
    selection = data_spans(loaded.spec.data, loaded.resolve(loaded.spec.data.path))
    return [(s.span, s.version) for s in selection.spans]


THREE = ["span-1/part-0.csv", "span-2/part-0.csv", "span-2/part-1.csv", "span-3/part-0.csv"]


def test_latest_span_by_default_and_a_plain_path_is_unchanged(tmp_path):
    spans(tmp_path, THREE)
    assert selected(spec(tmp_path, "  path: data/span-{SPAN}/part-*.csv\n")) == [(3, None)]
    (tmp_path / "plain").mkdir()
    plain = load_spec(write_spec(tmp_path / "plain"))
    assert data_spans(plain.spec.data, plain.resolve(plain.spec.data.path)) is None


def test_last_n_and_from_to_and_exclusions(tmp_path):
    spans(tmp_path, THREE)
    assert selected(spec(tmp_path, "  path: data/span-{SPAN}/part-*.csv\n  spans: {last: 2}\n")) == [
        (2, None), (3, None)]
    assert selected(spec(tmp_path, "  path: data/span-{SPAN}/part-*.csv\n  spans: {last: 9}\n")) == [
        (1, None), (2, None), (3, None)]
    assert selected(spec(tmp_path, "  path: data/span-{SPAN}/part-*.csv\n  spans: {from: 1, to: 2}\n")) == [
        (1, None), (2, None)]
    # An excluded span is skipped: the window of 2 reaches back one more span.
    assert selected(spec(tmp_path, "  path: data/span-{SPAN}/part-*.csv\n  spans: {last: 2}\n"
                                   "  exclude_spans: [2]\n")) == [(1, None), (3, None)]


def test_newest_version_of_each_span(tmp_path):
    spans(tmp_path, ["1/v1/a.csv", "1/v2/a.csv", "2/v1/a.csv", "2/v10/a.csv", "2/v3/a.csv"])
    path = spec(tmp_path, "  path: data/{SPAN}/v{VERSION}/*.csv\n  spans: {last: 2}\n")
    assert selected(path) == [(1, 2), (2, 10)]
    loaded = load_spec(path)
    newest = data_spans(loaded.spec.data, loaded.resolve(loaded.spec.data.path)).spans[-1]
    assert newest.files == (str(tmp_path / "data/2/v10/a.csv"),)


def test_date_spans_are_days_since_1970_and_windows_take_dates(tmp_path):
    spans(tmp_path, ["2024-01-01/a.csv", "2024-01-02/a.csv", "2024-01-03/a.csv"])
    day = (datetime.date(2024, 1, 2) - datetime.date(1970, 1, 1)).days
    path = spec(tmp_path, "  path: data/{YYYY}-{MM}-{DD}/*.csv\n  spans: {from: 2024-01-02, to: 2024-01-03}\n")
    assert selected(path) == [(day, None), (day + 1, None)]


def test_all_files_of_all_spans_and_the_input_base(tmp_path):
    spans(tmp_path, THREE)
    pattern = str(tmp_path / "data/span-{SPAN}/part-*.csv")
    assert len(data_files(pattern)) == 4
    assert split_input(pattern) == (str(tmp_path / "data"), "span-{SPAN}/part-*.csv")


# (data lines replacing `path: data.csv`, files on disk, the expected error line after '{spec}:')
CASES = [
    pytest.param("  path: data/span-{SPAN/*.csv\n", THREE,
                 "7:9: data.path: 'data/span-{SPAN/*.csv': '{SPAN/*.csv' is not closed (expected {SPAN}, {VERSION} "
                 "or {YYYY}-{MM}-{DD})", id="unclosed"),
    pytest.param("  path: data/span-{SPANS}/*.csv\n", THREE,
                 "7:9: data.path: 'data/span-{SPANS}/*.csv': '{SPANS}' is not a span placeholder (expected {SPAN}, "
                 "{SPAN:width}, {VERSION}, {VERSION:width}, or a date {YYYY}, {MM}, {DD})", id="unknown-placeholder"),
    pytest.param("  path: data/{YYYY}-{MM}-{DD}/span-{SPAN}.csv\n", THREE,
                 "7:9: data.path: 'data/{YYYY}-{MM}-{DD}/span-{SPAN}.csv': a date pattern ({YYYY}-{MM}-{DD}) and "
                 "{SPAN} mixed in one path (expected one of them: a date is the span)", id="date-and-span"),
    pytest.param("  path: data/{YYYY}-{MM}/*.csv\n", THREE,
                 "7:9: data.path: 'data/{YYYY}-{MM}/*.csv': a date pattern needs each of {YYYY}, {MM}, {DD} exactly "
                 "once ({DD} missing or repeated)", id="partial-date"),
    pytest.param("  path: data/v{VERSION}/*.csv\n", THREE,
                 "7:9: data.path: 'data/v{VERSION}/*.csv': {VERSION} without {SPAN} or a date (expected a span: TFX "
                 "versions a span, not a path)", id="version-alone"),
    pytest.param("  path: data/span-{SPAN:x}/*.csv\n", THREE,
                 "7:9: data.path: 'data/span-{SPAN:x}/*.csv': width 'x' is not a positive number (expected e.g. "
                 "{SPAN:2} for 'span-01')", id="bad-width"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n", ["span-01/a.csv"],
                 "7:9: data.path: span '01' on disk is zero-padded, which {SPAN} does not match when a span is read "
                 "(expected {SPAN:2} in data.path)", id="zero-padded"),
    pytest.param("  path: data/day-{SPAN}/*.csv\n", THREE,
                 "7:9: data.path: no span matches '{dir}/data/day-{SPAN}/*.csv' (expected at least one span's files "
                 "on disk)", id="no-span-at-all"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  spans: {from: 7, to: 9}\n", THREE,
                 "8:10: data.spans: no span from 7 to 9 on disk (found spans: 1, 2, 3; excluded: none)",
                 id="window-with-no-span"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  spans: {from: 3, to: 1}\n", THREE,
                 "8:17: data.spans.from: 3 is after to: 1 (expected from <= to)", id="window-backwards"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  exclude_spans: [2, 5]\n", THREE,
                 "8:22: data.exclude_spans[1]: span 5 is not on disk (found spans: 1, 2, 3)", id="exclude-unknown"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  exclude_spans: [1, 2, 3]\n", THREE,
                 "8:18: data.exclude_spans: every span on disk is excluded (found spans: 1, 2, 3)",
                 id="all-excluded"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  spans: {from: 1, to: 1}\n  exclude_spans: [1]\n", THREE,
                 "8:10: data.spans: every span from 1 to 1 is excluded (found spans: 1, 2, 3; excluded: 1)",
                 id="window-all-excluded"),
    pytest.param("  path: data.csv\n  spans: {last: 2}\n", THREE,
                 "8:3: data.spans: 'data.csv' names no spans (expected {SPAN} or {YYYY}-{MM}-{DD} in data.path, "
                 "e.g. 'data/span-{SPAN}/*.csv')", id="window-on-plain-path"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  spans: {last: 0}\n", THREE,
                 "8:17: data.spans.last: 0 is too small (expected >= 1)", id="last-zero"),
    pytest.param("  path: data/span-{SPAN}/*.csv\n  spans: newest\n", THREE,
                 "8:10: data.spans: ", id="window-unknown-word"),
]


@pytest.mark.parametrize(("data_lines", "files", "expected"), CASES)
def test_span_spec_errors(tmp_path, data_lines, files, expected):
    spans(tmp_path, files)
    (tmp_path / "data.csv").write_text(CSV, encoding="utf-8")
    path = spec(tmp_path, data_lines)
    first = errors_of(path)[0]
    assert first.startswith(f"{path}:" + expected.replace("{dir}", str(tmp_path.resolve()))), first
