"""What `rollback` and `promote` share: where a version's bytes are, and serving them as a new version, recorded.

A model server serves the highest version folder of the destination it polls,
so serving a model there means writing its bytes as a new version above every
one present; and above every version the pipeline recorded in any destination,
so that a version number (which `promote` and `rollback --to` take) names one
version only. The copy is the atomic Pusher's (claim a version no other push
has, copy aside, check the digest, rename whole): a server never sees a
half-written model, and two copies at once get two versions. The copy is then
recorded as an execution of its own in a run of its own (Store.record_execution);
a copy that cannot be recorded is taken away again, so nothing serves that the
store does not know.
"""

from __future__ import annotations

import getpass
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from tfxkit.components.atomic_pusher.versions import push_version
from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.models import ModelVersion, push_record, pushes
from tfxkit.metadata.store import RecordedStep, Store

# Builds the record of a copy once its version is known: (run id, version, folder, started, ended) -> the step.
StepOf = Callable[[str, int, str, float, float], RecordedStep]


@dataclass(frozen=True)
class Served:
    """A rollback or promotion that happened: its plan, the new version and how it was recorded."""

    plan: Any  # the RollbackPlan or PromotePlan it carried out
    version: int
    folder: str
    run_id: str
    execution_id: int
    pushed_model_id: int

    def to_json(self) -> dict:
        return asdict(self)


def version_source(version: ModelVersion, store: Store) -> str | None:
    """The folder holding a version's bytes: the version folder, else the push's own copy (TFX's Pusher keeps one
    under the pipeline root); None when both are gone."""
    push = store.artifact(version.pushed_model_id)
    for folder in (version.destination, push.uri if push else None):
        if folder and os.path.isdir(folder) and os.listdir(folder):
            return folder
    return None


def require_source(version: ModelVersion, store: Store, asked: str) -> str:
    """`version_source`, refused in one line (naming what was `asked`) when the files are gone."""
    source = version_source(version, store)
    if source is None:
        raise LineageError(f"{asked}: the files of version {version.version} are gone "
                           f"({version.destination} and the push's copy); it cannot be served again")
    return source


def user() -> str:
    """Who copied: recorded with the copy."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container with an unnamed uid)
        return f"uid {os.getuid()}"


def serve_copy(store: Store, plan: Any, step_of: StepOf, clock: Callable[[], float] = time.time,
               copy: Callable[[str, str], object] | None = None) -> Served:
    """Copy the plan's `source` into a new version above every one in its `destination` and record it (module
    docstring).

    `clock` and `copy` are the atomic push's (tests hold copies mid-way to run two at once).
    """
    started = clock()
    recorded = [os.path.basename(push_record(p).folder.rstrip("/")) for p in pushes(store, plan.pipeline)]
    above = max([int(n) for n in _listing(plan.destination) + recorded if n.isdigit()], default=0) + 1
    version = int(push_version(plan.source, plan.destination, clock=lambda: max(started, above), copy=copy))
    folder = os.path.join(plan.destination, str(version))
    run_id = time.strftime("%Y%m%d-%H%M%S-", time.localtime(started)) + secrets.token_hex(2)
    try:
        execution_id, outputs = store.record_execution(step_of(run_id, version, folder, started, clock()))
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Served(plan, version, folder, run_id, execution_id, outputs["pushed_model"])


def _listing(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []
