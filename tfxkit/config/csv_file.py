"""What a CSV data file looks like from its first bytes: its columns, or the one thing wrong with it.

`tfxkit validate` checks the spec's column names against the header. A file
that is empty, has only a header, is not UTF-8, or uses another delimiter
would otherwise give one "no column" line per column, none naming the cause;
here it gives one line that does. Only the first SAMPLE_BYTES are read, so
this stays instant on large files.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from typing import Optional

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
_NAMES = {",": "','", ";": "';'", "\t": "a tab", "|": "'|'"}
_YAML = {",": "','", ";": "';'", "\t": '"\\t"', "|": "'|'"}


@dataclass(frozen=True)
class CsvLook:
    columns: Optional[list[str]]  # None when `problem` says why there are none to check
    problem: Optional[str] = None


def delimiter_name(delimiter: str) -> str:
    return _NAMES.get(delimiter, repr(delimiter))


def look_at_csv(path: str, delimiter: str = ",") -> CsvLook:
    """The header's column names, or one problem: empty, no rows, not UTF-8, another delimiter."""
    shown = f"'{path}'"
    try:
        with open(path, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        return CsvLook(None, f"cannot read {shown} ({exc.strerror or exc.__class__.__name__})")
    if not sample:
        return CsvLook(None, f"{shown} is empty (expected a header row and data rows)")
    first_break = sample.find(b"\n")
    header_bytes = sample if first_break < 0 else sample[:first_break]
    try:
        header_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        return CsvLook(None, f"the header of {shown} is not UTF-8: byte 0x{header_bytes[exc.start]:02x} at column "
                       f"{len(header_bytes[:exc.start].decode('utf-8', 'replace')) + 1} (expected a UTF-8 CSV file)")
    complete = len(sample) < SAMPLE_BYTES or os.path.getsize(path) <= SAMPLE_BYTES
    bad = _not_utf8(sample if complete else sample[: sample.rfind(b"\n") + 1], header_bytes, delimiter)
    if bad:
        return CsvLook(None, f"{shown} is not UTF-8: {bad} (expected a UTF-8 CSV file)")
    text = sample.decode("utf-8", errors="replace")
    if not complete:  # the last line may be cut; leave it out
        text = text[: text.rfind("\n") + 1] or text
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return CsvLook(None, f"{shown} has only blank lines (expected a header row and data rows)")
    rows = list(csv.reader(io.StringIO("\n".join(lines[:20])), delimiter=delimiter))
    header = rows[0]
    other = _other_delimiter(lines[:20], delimiter)
    if other is not None:
        return CsvLook(None, f"{shown} seems to use {delimiter_name(other)} as its delimiter, not "
                       f"{delimiter_name(delimiter)} (header: {_clip(lines[0])}) (expected "
                       f"{delimiter_name(delimiter)}-separated columns, or set data.delimiter: "
                       f"{_YAML[other]} if that is intended)")
    if not any(cell.strip() for cell in header):
        return CsvLook(None, f"{shown} has no header row (expected column names)")
    if len(lines) == 1:
        return CsvLook(None, f"{shown} has a header but no data rows (expected at least one example)")
    return CsvLook(header)


def _not_utf8(data: bytes, header_bytes: bytes, delimiter: str) -> Optional[str]:
    """Where the first byte that is not UTF-8 is: 'byte 0xe9 on line 12 in column 'island'', or None."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data[:exc.start].count(b"\n") + 1
        cells_before = data[line_start:exc.start].count(delimiter.encode())
        names = next(csv.reader([header_bytes.decode("utf-8")], delimiter=delimiter), [])
        column = f" in column '{names[cells_before]}'" if cells_before < len(names) else ""
        return f"byte 0x{data[exc.start]:02x} on line {line}{column}"


def _other_delimiter(lines: list[str], delimiter: str) -> Optional[str]:
    """Another delimiter that splits the header into more columns than `delimiter` does, and
    splits the data rows into as many, or None."""
    def widths(sep: str) -> list[int]:
        return [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]

    ours = widths(delimiter)
    best, best_width = None, ours[0]
    for sep in DELIMITERS:
        if sep == delimiter:
            continue
        theirs = widths(sep)
        consistent = all(w == theirs[0] for w in theirs)
        if theirs[0] > best_width and consistent and (ours[0] == 1 or not all(w == ours[0] for w in ours)):
            best, best_width = sep, theirs[0]
    return best


def _clip(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
