"""The spans a spec's data section selects, or why none can be: one located problem each.

`validate` reports the problems, `plan` and the build read the selected spans
(the same function, so what `plan` shows is what runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from tfxkit.config.problem import Problem, ProblemKind
from tfxkit.config.spans import (
    DATE_SPECS,
    SpanVersion,
    newest_versions,
    padding_problem,
    pattern_problem,
    select,
    shown_spans,
    span_label,
    span_number,
    spans_on_disk,
)


@dataclass(frozen=True)
class SpanSelection:
    """The selected spans (oldest first, newest version of each), whether spans are dates, and the problems."""

    spans: list[SpanVersion]
    dated: bool
    problems: list[Problem] = field(default_factory=list)

    def label(self, span: SpanVersion) -> str:
        return span_label(span.span, self.dated)


def select_spans(declared: str, resolved: str, window: Union[str, int, tuple[Any, Any]],
                 exclude: list[Any]) -> SpanSelection:
    """The spans of a resolved span pattern that `window` selects, `exclude` left out."""
    dated = any(spec in declared for spec in DATE_SPECS)
    problem = pattern_problem(declared)
    if isinstance(window, tuple) and span_number(window[0]) > span_number(window[1]):
        low, high = (span_label(span_number(v), dated) for v in window)
        return SpanSelection([], dated, [Problem(("data", "spans", "from"), f"{low} is after to: {high} "
                                                 "(expected from <= to)")])
    if problem:
        return SpanSelection([], dated, [Problem(("data", "path"), f"'{declared}': {problem}")])
    found = spans_on_disk(resolved)
    newest = newest_versions(found)
    on_disk = sorted(newest)
    if not found:
        return SpanSelection([], dated, [Problem(("data", "path"), f"no span matches '{resolved}' (expected "
                                                 "at least one span's files on disk)", kind=ProblemKind.DATA)])
    padded = padding_problem(declared, found)
    if padded:
        return SpanSelection([], dated, [Problem(("data", "path"), padded)])
    problems = [Problem(("data", "exclude_spans", i), f"span {span_label(span_number(v), dated)} is not on disk "
                        f"(found spans: {shown_spans(on_disk, dated)})")
                for i, v in enumerate(exclude) if span_number(v) not in newest]
    excluded = [span_number(v) for v in exclude]
    bounds = window if isinstance(window, (str, int)) else tuple(span_number(v) for v in window)
    chosen = select(newest, bounds, excluded)
    if not chosen and not problems:
        problems.append(_empty_window(bounds, on_disk, excluded, dated))
    return SpanSelection(chosen, dated, problems)


def _empty_window(bounds: Union[str, int, tuple], on_disk: list[int], excluded: list[int], dated: bool) -> Problem:
    found = f"found spans: {shown_spans(on_disk, dated)}"
    if isinstance(bounds, tuple):
        low, high = (span_label(b, dated) for b in bounds)
        left = [s for s in on_disk if bounds[0] <= s <= bounds[1]]
        why = f"every span from {low} to {high} is excluded" if left else f"no span from {low} to {high} on disk"
        return Problem(("data", "spans"), f"{why} ({found}; excluded: {shown_spans(excluded, dated)})")
    return Problem(("data", "exclude_spans"), f"every span on disk is excluded ({found})")
