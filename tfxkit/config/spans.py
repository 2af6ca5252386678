"""Data that arrives in spans: `data.path` patterns with {SPAN}, {VERSION} or a date, read without TFX.

The patterns are TFX's own (`tfx/components/example_gen/utils.py`): `{SPAN}` or
`{SPAN:width}`, optionally `{VERSION}` or `{VERSION:width}`, or instead of a span
a date `{YYYY}`, `{MM}`, `{DD}` whose span number is the days since 1970-01-01.
Here the pattern is checked, the spans on disk found (the same glob and regex
TFX builds), and the spec's window applied (newest version of each span), so
that `validate` and `plan` name the spans a run will read before TFX is
imported. At run time each selected span goes to its own ExampleGen with a
`RangeConfig.static_range` of that one span: TFX itself then resolves the span's
newest version and records span and version on the Examples artifact.
"""

from __future__ import annotations

import datetime
import glob
import os
import re
from dataclasses import dataclass
from typing import Optional, Union

SPAN_RE = re.compile(r"\{SPAN(?::(?P<width>[^}]*))?\}")
VERSION_RE = re.compile(r"\{VERSION(?::(?P<width>[^}]*))?\}")
DATE_SPECS = ("{YYYY}", "{MM}", "{DD}")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}?")
_ATTEMPT = re.compile(r"\{[A-Z]")  # {SPAN}, {VERSION}, {YYYY}..., or a misspelling of one
_EPOCH = datetime.date(1970, 1, 1)


def has_span_spec(path: str) -> bool:
    """Whether a data path names spans (TFX's {SPAN}, {VERSION} or date specs)."""
    return bool(_ATTEMPT.search(path))


def placeholders(path: str) -> list[str]:
    """The span placeholders of a path as written ('{SPAN:2}', '{VERSION}', '{YYYY}', ...), sorted: two
    patterns name the same spans the same way when these are equal."""
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(path))


def pattern_problem(path: str) -> Optional[str]:
    """What is wrong with a span pattern, or None (TFX's `verify_split_pattern_specs` and width checks)."""
    for match in _PLACEHOLDER.finditer(path):
        token = match.group(0)
        if not token.endswith("}"):
            return f"'{token}' is not closed (expected {{SPAN}}, {{VERSION}} or {{YYYY}}-{{MM}}-{{DD}})"
        if not (SPAN_RE.fullmatch(token) or VERSION_RE.fullmatch(token) or token in DATE_SPECS):
            return f"'{token}' is not a span placeholder (expected {{SPAN}}, {{SPAN:width}}, {{VERSION}}, " \
                   "{VERSION:width}, or a date {YYYY}, {MM}, {DD})"
    spans, versions = SPAN_RE.findall(path), VERSION_RE.findall(path)
    dated = any(s in path for s in DATE_SPECS)
    if spans and dated:
        return "a date pattern ({YYYY}-{MM}-{DD}) and {SPAN} mixed in one path (expected one of them: " \
               "a date is the span)"
    if len(spans) > 1 or len(versions) > 1:
        return "{SPAN} and {VERSION} may each appear once (expected one folder or file name part per placeholder)"
    if dated and not all(path.count(s) == 1 for s in DATE_SPECS):
        missing = [s for s in DATE_SPECS if path.count(s) != 1]
        return f"a date pattern needs each of {{YYYY}}, {{MM}}, {{DD}} exactly once ({', '.join(missing)} " \
               "missing or repeated)"
    if versions and not (spans or dated):
        return "{VERSION} without {SPAN} or a date (expected a span: TFX versions a span, not a path)"
    for width in [*spans, *versions]:
        if width and not (width.isdigit() and int(width) > 0):
            return f"width '{width}' is not a positive number (expected e.g. {{SPAN:2}} for 'span-01')"
    if not (spans or dated):
        return "no {SPAN} or date in the pattern"
    return None


@dataclass(frozen=True)
class SpanVersion:
    """One version of one span on disk (version None when the pattern has no {VERSION})."""

    span: int
    version: Optional[int]
    token: str  # the span as written in the path: '3', '03' or '2024-01-05'
    files: tuple[str, ...]


def _regex(resolved: str) -> re.Pattern:
    """TFX's `_create_matching_glob_and_regex`: the glob made a regex, the placeholders capture groups."""
    regex = resolved.replace("\\", "\\\\").replace(".", r"\.").replace("+", r"\+").replace("*", r"[^\\/]*")
    regex = regex.replace("?", r"[^\\/]").replace("(", r"\(").replace(")", r"\)")
    regex = SPAN_RE.sub(lambda m: f"(?P<span>.{{{m.group('width')}}})" if m.group("width") else "(?P<span>.*)", regex)
    regex = VERSION_RE.sub(lambda m: f"(?P<version>.{{{m.group('width')}}})" if m.group("width")
                           else "(?P<version>.*)", regex)
    for spec, name, width in zip(DATE_SPECS, ("year", "month", "day"), (4, 2, 2)):
        regex = regex.replace(spec, f"(?P<{name}>.{{{width}}})")
    return re.compile(regex)


def as_glob(resolved: str) -> str:
    """The pattern with every placeholder a wildcard: every file of every span and version."""
    out = VERSION_RE.sub("*", SPAN_RE.sub("*", resolved))
    for spec in DATE_SPECS:
        out = out.replace(spec, "*")
    return out


def spans_on_disk(resolved: str) -> list[SpanVersion]:
    """Every (span, version) whose files match the resolved pattern, by span then version; paths whose
    placeholders are not numbers (or not a date) are not spans, as for TFX."""
    regex = _regex(resolved)
    found: dict[tuple[int, Optional[int]], tuple[str, list[str]]] = {}
    for path in sorted(p for p in glob.glob(as_glob(resolved)) if os.path.isfile(p)):
        match = regex.fullmatch(path)
        key = _span_version(match) if match else None
        if key is not None:
            found.setdefault(key[:2], (key[2], []))[1].append(path)
    return [SpanVersion(span, version, token, tuple(files))
            for (span, version), (token, files) in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]


def _span_version(match: re.Match) -> Optional[tuple[int, Optional[int], str]]:
    groups = match.groupdict()
    try:
        if "span" in groups:
            token = groups["span"]
            span = int(token) if token.isdigit() else None
        else:
            token = f"{groups['year']}-{groups['month']}-{groups['day']}"
            span = (datetime.date(int(groups["year"]), int(groups["month"]), int(groups["day"])) - _EPOCH).days
        version = int(groups["version"]) if "version" in groups else None
    except ValueError:
        return None
    return None if span is None else (span, version, token)


def newest_versions(found: list[SpanVersion]) -> dict[int, SpanVersion]:
    """Each span's newest version (what TFX's ExampleGen reads for a span)."""
    return {sv.span: sv for sv in found}  # sorted by version within a span: the last one wins


def span_number(value: Union[int, str]) -> int:
    """A span as the spec may write it: a number, or a date YYYY-MM-DD (days since 1970-01-01, as TFX counts)."""
    return (datetime.date.fromisoformat(value) - _EPOCH).days if isinstance(value, str) else int(value)


def span_label(span: int, dated: bool) -> str:
    return (_EPOCH + datetime.timedelta(days=span)).isoformat() if dated else str(span)


def padding_problem(path: str, found: list[SpanVersion]) -> Optional[str]:
    """A zero-padded span on disk with a plain {SPAN}: TFX would look for 'span-3', not 'span-03'."""
    match = SPAN_RE.search(path)
    if not match or match.group("width"):
        return None
    padded = next((sv.token for sv in found if sv.token != str(sv.span)), None)
    if padded is None:
        return None
    return f"span '{padded}' on disk is zero-padded, which {{SPAN}} does not match when a span is read " \
           f"(expected {{SPAN:{len(padded)}}} in data.path)"


def select(found: dict[int, SpanVersion], window: Union[str, tuple[int, int], int],
           exclude: list[int]) -> list[SpanVersion]:
    """The spans a window selects, oldest first: 'latest', the N newest (an int), or (from, to) inclusive;
    excluded spans are skipped (a window of N still takes N spans when there are as many)."""
    kept = [found[s] for s in sorted(found) if s not in set(exclude)]
    if window == "latest":
        return kept[-1:]
    if isinstance(window, int):
        return kept[-window:]
    low, high = window
    return [sv for sv in kept if low <= sv.span <= high]


def shown_spans(spans: list[int], dated: bool) -> str:
    """'1, 2, 3' (or dates), for messages; 'none' when empty; long lists cut in the middle."""
    labels = [span_label(s, dated) for s in spans]
    if len(labels) > 12:
        labels = [*labels[:5], "...", *labels[-5:]]
    return ", ".join(labels) or "none"
