"""The `data` section: where the examples come from, and what the data files reveal at validate time.

The files are looked at (never fully read): that the path names data, its format,
and a CSV file's header, whose column names the other sections' names are checked
against (`tfxkit.config.cross_section`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import AfterValidator, Discriminator, Field, Tag

from tfxkit.config.columnar_file import look_at_avro, look_at_parquet
from tfxkit.config.csv_file import look_at_csv
from tfxkit.config.paths import data_files, guess_format, resolve_path
from tfxkit.config.problem import Problem, ProblemKind
from tfxkit.config.sections.strict import Strict
from tfxkit.config.span_selection import SpanSelection, select_spans
from tfxkit.config.spans import has_span_spec


def _a_date(text: str) -> str:
    datetime.date.fromisoformat(text)  # a ValueError names the bad date
    return text


# A span: its number, or for a date pattern its date as YYYY-MM-DD.
SpanNumber = Union[int, Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_a_date)]]


class SplitSection(Strict):
    """Train/eval split by hash buckets (deterministic across runs)."""

    train: int = Field(default=2, ge=1, le=100)
    eval: int = Field(default=1, ge=1, le=100)


class LastSpans(Strict):
    """The N newest spans on disk (excluded spans skipped)."""

    last: int = Field(ge=1, description="How many of the newest spans the run reads.")


class SpanRange(Strict):
    """Every span from `from` to `to`, both included (a number, or a date for a date pattern)."""

    from_: SpanNumber = Field(alias="from", description="First span (a number, or a date YYYY-MM-DD).")
    to: SpanNumber = Field(description="Last span (a number, or a date YYYY-MM-DD).")

    model_config = {**Strict.model_config, "populate_by_name": True}


def _window_kind(value: object) -> str:
    if isinstance(value, (LastSpans, SpanRange)):
        return "LastSpans" if isinstance(value, LastSpans) else "SpanRange"
    if isinstance(value, dict):
        return "LastSpans" if "last" in value or not ({"from", "to", "from_"} & set(value)) else "SpanRange"
    return "latest"


SpanWindow = Annotated[Union[Annotated[Literal["latest"], Tag("latest")], Annotated[LastSpans, Tag("LastSpans")],
                             Annotated[SpanRange, Tag("SpanRange")]], Discriminator(_window_kind)]


class DataSection(Strict):
    """Where the examples come from."""

    path: str = Field(
        description="A file, folder or glob; 'pkg://package/relative/path' names data shipped in "
        "an installed Python package. Data that arrives in spans: a pattern with {SPAN} (or {SPAN:width}), "
        "optionally {VERSION}, or a date {YYYY}-{MM}-{DD} in place of {SPAN}, e.g. "
        "'data/span-{SPAN}/part-*.csv'; each span is ingested once, the newest version of each."
    )
    format: Optional[Literal["csv", "tfrecord", "parquet", "avro"]] = Field(
        default=None, description="Default: from the file extension.")
    spans: SpanWindow = Field(
        default="latest", description="Which spans a run reads when data.path has a span pattern: latest, "
        "{last: N} or {from: A, to: B}.")
    exclude_spans: list[SpanNumber] = Field(
        default_factory=list, description="Spans never read (rejected data), numbers or dates.")
    label: str = Field(description="Label column.")
    delimiter: Literal[",", ";", "\t", "|"] = Field(default=",", description="CSV column separator.")
    split: SplitSection = Field(default_factory=SplitSection)

    def window(self) -> Union[str, int, tuple[SpanNumber, SpanNumber]]:
        """The span window as `select_spans` takes it: 'latest', N, or (from, to)."""
        if isinstance(self.spans, LastSpans):
            return self.spans.last
        if isinstance(self.spans, SpanRange):
            return (self.spans.from_, self.spans.to)
        return "latest"


@dataclass(frozen=True)
class DataLook:
    """What the data files say: their columns (None when unknown: TFRecord, or unreadable) and the problems."""

    columns: Optional[list[str]]
    problems: list[Problem] = field(default_factory=list)


_READERS = {"parquet": look_at_parquet, "avro": look_at_avro}


def data_spans(data: DataSection, resolved: str) -> Optional[SpanSelection]:
    """The spans a span pattern selects (None for a plain path)."""
    if not has_span_spec(data.path):
        return None
    return select_spans(data.path, resolved, data.window(), data.exclude_spans)


def look_at_data(data: DataSection, base_dir: Path) -> DataLook:
    """The data path resolved and its first file looked at (for spans: the newest selected span's): one
    problem naming the cause, not one per column."""
    try:
        resolved = resolve_path(data.path, base_dir)
    except FileNotFoundError as exc:
        return DataLook(None, [_fault(f"{exc} (expected pkg://<installed package>/<path>)")])
    selection = data_spans(data, resolved)
    if selection is None:
        files = data_files(resolved)
        if data.spans != "latest" or data.exclude_spans:
            key = "spans" if data.spans != "latest" else "exclude_spans"
            return DataLook(None, [Problem(("data", key), f"'{data.path}' names no spans (expected {{SPAN}} or "
                                           "{YYYY}-{MM}-{DD} in data.path, e.g. 'data/span-{SPAN}/*.csv')",
                                           at_key=True)])
    elif selection.problems:
        return DataLook(None, selection.problems)
    else:
        files = list(selection.spans[-1].files)
    if not files:
        return DataLook(None, [_fault(f"no data files at '{resolved}' (expected a file, a folder or a glob)")])
    fmt = data.format or guess_format(files)
    if fmt is None:
        return DataLook(None, [_fault("cannot tell the data format from the file name (expected data.format: csv, "
                                      "tfrecord, parquet or avro)")])
    if fmt == "tfrecord":
        return DataLook(None)
    look = _READERS[fmt](files[0]) if fmt in _READERS else look_at_csv(files[0], data.delimiter)
    return DataLook(look.columns, [_fault(look.problem)] if look.problem else [])


def _fault(message: str) -> Problem:
    """A problem of the data file itself (missing, unreadable, empty, another delimiter): a data fault."""
    return Problem(("data", "path"), message, kind=ProblemKind.DATA)
