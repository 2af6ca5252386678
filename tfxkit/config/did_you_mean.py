"""The one near-miss helper: every 'did you mean ...?' in tfxkit picks its suggestion here.

One cutoff for all of them, so a typo that gets a suggestion in one section gets
one in every other section too.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Optional

CUTOFF = 0.6


def closest(word: str, choices: Iterable[str], cutoff: float = CUTOFF) -> Optional[str]:
    """The choice nearest to `word`, or None when none is close enough to be a typo of it."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str], otherwise: str) -> str:
    """"did you mean 'x'?" for a near miss, else `otherwise` (e.g. the list of what is expected)."""
    close = closest(word, choices)
    return f"did you mean '{close}'?" if close else otherwise
