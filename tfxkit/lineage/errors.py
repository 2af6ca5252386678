"""The one error an audit raises: a message a person can act on, and the exit status."""

from __future__ import annotations

from tfxkit.config.did_you_mean import closest


class LineageError(Exception):
    """An audit question that cannot be answered as asked (unknown run, not a model, empty store)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def nearest(value: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, '' when nothing is close."""
    close = closest(value, choices, cutoff=0.5)
    return f" (did you mean '{close}'?)" if close else ""
