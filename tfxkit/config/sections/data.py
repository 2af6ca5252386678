"""The `data` section: where the examples come from, and what the data files reveal at validate time.

The files are looked at (never fully read): that the path names data, its format,
and a CSV file's header, whose column names the other sections' names are checked
against (`tfxkit.config.cross_section`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field

from tfxkit.config.csv_file import look_at_csv
from tfxkit.config.paths import data_files, guess_format, resolve_path
from tfxkit.config.problem import Problem, ProblemKind
from tfxkit.config.sections.strict import Strict


class SplitSection(Strict):
    """Train/eval split by hash buckets (deterministic across runs)."""

    train: int = Field(default=2, ge=1, le=100)
    eval: int = Field(default=1, ge=1, le=100)


class DataSection(Strict):
    """Where the examples come from."""

    path: str = Field(
        description="A file, folder or glob; 'pkg://package/relative/path' names data shipped in "
        "an installed Python package."
    )
    format: Optional[Literal["csv", "tfrecord"]] = Field(default=None, description="Default: from the file extension.")
    label: str = Field(description="Label column.")
    delimiter: Literal[",", ";", "\t", "|"] = Field(default=",", description="CSV column separator.")
    split: SplitSection = Field(default_factory=SplitSection)


@dataclass(frozen=True)
class DataLook:
    """What the data files say: their columns (None when unknown: not CSV, or unreadable) and the problems."""

    columns: Optional[list[str]]
    problems: list[Problem] = field(default_factory=list)


def look_at_data(data: DataSection, base_dir: Path) -> DataLook:
    """The data path resolved and its first file looked at: one problem naming the cause, not one per column."""
    try:
        resolved = resolve_path(data.path, base_dir)
    except FileNotFoundError as exc:
        return DataLook(None, [_fault(f"{exc} (expected pkg://<installed package>/<path>)")])
    files = data_files(resolved)
    if not files:
        return DataLook(None, [_fault(f"no data files at '{resolved}' (expected a file, a folder or a glob)")])
    fmt = data.format or guess_format(files)
    if fmt is None:
        return DataLook(None, [_fault("cannot tell the data format from the file name (expected data.format: csv "
                                      "or tfrecord)")])
    if fmt != "csv":
        return DataLook(None)
    look = look_at_csv(files[0], data.delimiter)
    return DataLook(look.columns, [_fault(look.problem)] if look.problem else [])


def _fault(message: str) -> Problem:
    """A problem of the data file itself (missing, unreadable, empty, another delimiter): a data fault."""
    return Problem(("data", "path"), message, kind=ProblemKind.DATA)
