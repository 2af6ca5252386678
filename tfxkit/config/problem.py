"""A problem found in a model-valid spec, before it is pinned to a line of the file.

Every check (a section's own, the cross-section rules, the planned DAG's wiring
in `tfxkit.dag.plan`) yields these; `tfxkit.config.load` turns the key path
into `file:line:col` once, so no check needs to know about positions.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class ProblemKind(Enum):
    """Whose fault a problem is: the spec's own text, or the data file it names (unreadable, empty,
    another delimiter, lacking a column). `tfxkit run` exits 1 when only the data is at fault, 2 otherwise."""

    SPEC = "spec"
    DATA = "data"


class Problem(NamedTuple):
    """What is wrong at a key path; `at_key` points the error at the key (a name that is wrong)
    rather than at its value."""

    path: tuple
    message: str
    at_key: bool = False
    kind: ProblemKind = ProblemKind.SPEC
