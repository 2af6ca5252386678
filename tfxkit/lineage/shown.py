"""Values as a person reads them, in every text view and HTML page: no Python reprs, no raw JSON, no None.

The audit views show spec values and recorded facts (an optimizer's settings, a threshold, split ratios)
that are dicts and lists in the data. Printed raw they read as `{'train': 3}` or `{"clipnorm": null}`;
one helper keeps every view in the same plain form: `train 3, eval 1`, `16, 8`, unset values left out.
"""

from __future__ import annotations

from typing import Any


def shown(value: Any) -> str:
    """A value in words: dicts as `key value, key value` (nulls skipped), lists joined, numbers short.

    None is the empty string: a caller that must say "nothing" says it in its own words.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if item is None or item == {} or item == []:
                continue
            text = shown(item)
            parts.append(f"{key} ({text})" if isinstance(item, dict) else f"{key} {text}")
        return ", ".join(parts)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(shown(item) for item in value)
    return str(value)


def with_article(noun: str) -> str:
    """'an ExampleStatistics', 'a Model': the article English puts before the word as it is spoken."""
    return f"{'an' if noun[:1].lower() in ('a', 'e', 'i', 'o', 'u') else 'a'} {noun}"


def blank_none(value: Any) -> Any:
    """Jinja's `finalize` for the HTML pages: a fact that was not recorded prints as nothing, not `None`."""
    return "" if value is None else value
