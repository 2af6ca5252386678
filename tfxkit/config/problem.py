"""A problem found in a model-valid spec, before it is pinned to a line of the file.

Every check (a section's own, the cross-section rules, the planned DAG's wiring
in `tfxkit.dag.plan`) yields these; `tfxkit.config.load` turns the key path
into `file:line:col` once, so no check needs to know about positions.
"""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """What is wrong at a key path; `at_key` points the error at the key (a name that is wrong)
    rather than at its value."""

    path: tuple
    message: str
    at_key: bool = False
