"""`tfxkit gc`: free the space old runs take, without breaking the audit, the cache or what serves.

Every run writes new examples, transformed data, models, statistics, a log and
a report under the pipeline root. What must stay is what anyone may still ask
about or use: the last N runs (a run still in progress counts beside them),
the whole run that trained the model each push destination serves (its
lineage page, its report and the drift baseline read that run's artifacts),
and every other model in a destination (kept for a rollback) with its lineage.
Around those, everything their artifacts were made from, at any depth (a span
ingested ten runs ago and cached since is an input of the newest run).

Everything else under the root goes: its files, and in MLMD its state. An
artifact is marked MARKED_FOR_DELETION before its files are removed and
DELETED after, so TFX's cache, which reuses only LIVE outputs, never hands a
later run a folder that is gone: that run re-computes instead. The artifacts'
records, events and the runs stay, so `lineage` and `runs` of an old run still
answer (the records stay; only the files are gone). Version folders in push destinations,
and anything outside the root, are never touched.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field

from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.models import push_record, pushes
from tfxkit.lineage.runs import list_runs
from tfxkit.metadata import keys
from tfxkit.metadata.serving import MODEL_KEY, serving_in
from tfxkit.metadata.store import Artifact, Store

# Runs that ran no component of their own: they hold no outputs to keep and are not counted among the last N.
_NOT_COUNTED = ("unchanged", keys.ROLLBACK_STATUS, keys.PROMOTE_STATUS)
# An artifact whose files may be removed: written and recorded (or abandoned by a failed run), not yet removed.
_REMOVABLE = ("LIVE", "UNKNOWN", "ABANDONED", "MARKED_FOR_DELETION")


@dataclass
class Removal:
    """One artifact (or, with artifact_id None, a run's log or report) whose files go."""

    path: str
    bytes: int
    artifact_id: int | None = None
    type: str | None = None  # the artifact type; None for a log or report


@dataclass
class GcPlan:
    """What gc keeps and what it removes (all `--dry-run` prints)."""

    pipeline: str
    root: str
    keep: int
    kept_runs: list[str]  # the last N runs (and any run in progress)
    serving_runs: list[str]  # the runs that trained a model present in a push destination
    removals: list[Removal] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.removals)

    def to_json(self) -> dict:
        return {**asdict(self), "bytes": self.bytes}


def plan_gc(store: Store, pipeline: str, root: str, keep: int) -> GcPlan:
    """What `gc --keep N` removes: see the module docstring. Reads only; LineageError for a pipeline without runs."""
    if keep < 1:
        raise LineageError(f"--keep {keep}: keep at least the last run (expected an integer >= 1)")
    every = list_runs(store, pipeline)
    rows = [r for r in every if r.status not in _NOT_COUNTED]
    kept = [r.run_id for r in rows[:keep]] + [r.run_id for r in rows[keep:] if r.status == "incomplete"]
    found = pushes(store, pipeline)
    present = [p for p in found if os.path.isdir(push_record(p).folder)]
    serving = _runs_that_trained(store, _serving_in_each_destination(present))
    roots = {p.id for p in present}
    for run_id in dict.fromkeys(kept + serving):
        executions = [e.id for e in store.run_executions(pipeline, run_id)]
        roots |= {link.artifact_id for link in store.links_of_executions(executions)}
    needed = _with_lineage(store, roots)
    root = os.path.realpath(root)
    destinations = {os.path.realpath(push_record(p).base) for p in found}
    plan = GcPlan(pipeline, root, keep, kept, [r for r in serving if r not in kept])
    for artifact in sorted(store.pipeline_artifacts(pipeline, deleted=False).values(), key=lambda a: a.id):
        path = os.path.realpath(artifact.uri) if artifact.uri else ""
        if (artifact.id in needed or artifact.state not in _REMOVABLE or not _inside(path, root)
                or any(_inside(path, d) or path == d for d in destinations)):
            continue
        plan.removals.append(Removal(path, _size(path), artifact.id, artifact.type))
    staying = set(kept) | set(serving)
    for run in every:
        if run.run_id not in staying:
            for folder, name in (("logs", f"run-{run.run_id}.log"), ("reports", f"run-{run.run_id}.html")):
                path = os.path.join(root, folder, name)
                if os.path.isfile(path):
                    plan.removals.append(Removal(path, _size(path)))
    return plan


def _serving_in_each_destination(present: list[Artifact]) -> list[int]:
    """The push each destination serves (its highest version folder present): the pipeline's own and any a
    promotion copied to."""
    records = [push_record(p) for p in present]
    return [serving_in(records, base)[0].id for base in {r.base for r in records}]


def _runs_that_trained(store: Store, push_ids: list[int]) -> list[str]:
    """The runs whose executions produced the Models the pushes hold (the Trainer's run, and any that cached it)."""
    producers = {link.execution_id for link in store.links_of_artifacts(push_ids) if link.is_output}
    models = {link.artifact_id for link in store.links_of_executions(producers)
              if not link.is_output and link.key == MODEL_KEY}
    trainers = {link.execution_id for link in store.links_of_artifacts(models) if link.is_output}
    return list(dict.fromkeys(run for execution in sorted(trainers) for run in store.runs_of_execution(execution)))


def _with_lineage(store: Store, artifact_ids: set[int]) -> set[int]:
    """The artifacts and everything they were made from: each producer's inputs and its other outputs (a served
    model's TensorBoard logs, a blessing's evaluation), at any depth; one round of queries per level."""
    needed, frontier, seen = set(artifact_ids), set(artifact_ids), set()
    while frontier:
        producers = {link.execution_id for link in store.links_of_artifacts(frontier) if link.is_output} - seen
        seen |= producers
        frontier = {link.artifact_id for link in store.links_of_executions(producers)} - needed
        needed |= frontier
    return needed


def _inside(path: str, folder: str) -> bool:
    return bool(path) and path.startswith(folder.rstrip(os.sep) + os.sep)


def _size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:  # removed meanwhile
                pass
    return total


def collect(store: Store, plan: GcPlan) -> GcPlan:
    """Remove the plan's files: artifacts are marked for deletion first and DELETED once their files are gone,
    so a gc stopped half-way leaves nothing the cache would reuse (running gc again finishes it)."""
    ids = [r.artifact_id for r in plan.removals if r.artifact_id is not None]
    store.set_artifact_state(ids, "MARKED_FOR_DELETION")
    for removal in plan.removals:
        if os.path.isdir(removal.path):
            shutil.rmtree(removal.path, ignore_errors=True)
        elif os.path.lexists(removal.path):
            os.remove(removal.path)
    store.set_artifact_state(ids, "DELETED")
    return plan


def megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e5 else f"{count / 1e3:.1f} kB"


def summary(answer: dict) -> str:
    """One line: what gc removed (or would), and what it freed."""
    artifacts = sum(1 for r in answer["removals"] if r["artifact_id"] is not None)
    files = len(answer["removals"]) - artifacts
    verb = "would remove" if answer["dry_run"] else "removed"
    return (f"{verb} {artifacts} artifact{'s' * (artifacts != 1)} and {files} log and report file"
            f"{'s' * (files != 1)} of older runs, {megabytes(answer['bytes'])}")


def describe(answer: dict) -> str:
    """The plan (or what was done) for people: what stays and why, then each removal."""
    kept = answer["kept_runs"]
    lines = [f"gc pipeline {answer['pipeline']}: keeping the last {answer['keep']} run{'s' * (answer['keep'] != 1)} "
             f"({', '.join(kept) or 'none'})"
             + (f" and the runs that trained the models in push destinations ({', '.join(answer['serving_runs'])})"
                if answer["serving_runs"] else ""),
             summary(answer)]
    for removal in answer["removals"]:
        what = f"{removal['type']} {removal['artifact_id']}" if removal["artifact_id"] is not None else "file"
        lines.append(f"  {what:<28} {megabytes(removal['bytes']):>9}  {removal['path']}")
    if answer["dry_run"]:
        lines.append("(dry run: nothing was changed)")
    return "\n".join(lines)
