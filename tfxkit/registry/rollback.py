"""`tfxkit rollback`: serve an earlier model again, as a new highest version, recorded in MLMD as its own run.

A model server serves the highest version folder of the destination, so
putting an old model back means writing its bytes as a new version above the
current one (tfxkit.registry.copy: atomic, digest checked, two at once get two
versions; shared with `promote`). The rollback is recorded as an execution of its own (`tfxkit.Rollback`) in a run of
its own: its input is the Model it served again, its output a PushedModel for
the new version, its properties from which version and push, in place of
which, by whom, when and why. TFX's resolvers (the next run's Evaluator
baseline, the warm start) and every audit therefore see it like a push.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial

from tfxkit.lineage.errors import LineageError, nearest
from tfxkit.lineage.models import PROMOTE, REMOVED, ROLLED_BACK, SERVING, ModelVersion, model_versions
from tfxkit.metadata import keys
from tfxkit.metadata.store import RecordedStep, Store
from tfxkit.registry.copy import Served, require_source, serve_copy, user


@dataclass
class RollbackPlan:
    """What a rollback will do (all `--dry-run` prints)."""

    pipeline: str
    destination: str  # the base folder the server polls
    serving: dict  # the version serving now (ModelVersion JSON)
    target: dict  # the version whose model is served again
    source: str  # the folder its bytes are copied from
    reason: str
    user: str

    def to_json(self) -> dict:
        return asdict(self)


def plan_rollback(store: Store, pipeline: str, reason: str, to: int | None = None) -> RollbackPlan:
    """Which version to serve again (`to`, else the previous serving version) and from which folder; refuses
    (LineageError, one line) an empty reason, an unknown version, the one serving, files that are gone, and a
    pipeline with nothing to roll back to."""
    if not reason.strip():
        raise LineageError("--reason: say why the model is rolled back (it is recorded with the rollback)")
    versions = [v for v in model_versions(store, pipeline) if v.kind != PROMOTE]  # the pipeline's own destination
    serving = next((v for v in versions if v.status == SERVING), None)
    if serving is None:
        raise LineageError(f"nothing to roll back to: pipeline '{pipeline}' has pushed no model yet")
    target = _chosen(versions, serving, to, pipeline)
    source = require_source(target, store, f"--to {target.version}")
    return RollbackPlan(pipeline, os.path.dirname(serving.destination.rstrip(os.sep)), serving.to_json(),
                        target.to_json(), source, reason.strip(), user())


def _chosen(versions: list[ModelVersion], serving: ModelVersion, to: int | None, pipeline: str) -> ModelVersion:
    """The version `--to` names, or the highest version below the serving one that holds another model and was
    neither rolled back nor removed (a rolled-back version comes back only when named)."""
    if to is None:
        earlier = [v for v in versions if v.status not in (SERVING, ROLLED_BACK, REMOVED)
                   and v.model_id != serving.model_id and (v.version or 0) < (serving.version or 0)]
        if not earlier:
            raise LineageError(f"nothing to roll back to: no earlier version of another model is in "
                               f"{os.path.dirname(serving.destination)} (name one with --to; `tfxkit models` lists them)")
        return earlier[0]
    named = [v for v in versions if v.version == to]
    if not named:
        shown = [str(v.version) for v in versions if v.version is not None]
        raise LineageError(f"--to {to}: pipeline '{pipeline}' pushed no version {to}{nearest(str(to), shown)} "
                           f"(versions: {', '.join(shown[:6])}{', ...' if len(shown) > 6 else ''})")
    target = named[0]
    if target.status == SERVING:
        raise LineageError(f"--to {to}: version {to} is the one serving now; nothing to roll back")
    if target.model_id is not None and target.model_id == serving.model_id:
        raise LineageError(f"--to {to}: version {to} holds model {target.model_id}, the model serving now "
                           f"(version {serving.version}); nothing to roll back")
    return target


def rollback(store: Store, plan: RollbackPlan, clock: Callable[[], float] = time.time,
             copy: Callable[[str, str], object] | None = None) -> Served:
    """Copy the plan's version into a new highest version and record it (see the module docstring).

    `clock` and `copy` are the atomic push's (tests hold rollbacks mid-copy to run them at once). A rollback
    that cannot be recorded takes its version folder away again: nothing serves that the store does not know.
    """
    return serve_copy(store, plan, partial(_step, plan), clock, copy)


def _step(plan: RollbackPlan, run_id: str, version: int, folder: str, started: float, ended: float) -> RecordedStep:
    """The rollback as MLMD records it: execution, run (with a summary `runs` lists), input Model, output push."""
    target, serving = plan.target, plan.serving
    when = datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(timespec="seconds")
    properties = {keys.FROM_PUSHED_MODEL: target["pushed_model_id"], keys.FROM_VERSION: target["version"],
                  keys.REPLACED_PUSHED_MODEL: serving["pushed_model_id"], keys.REPLACED_VERSION: serving["version"],
                  keys.USER: plan.user, keys.TIME: when, keys.REASON: plan.reason}
    if target["model_id"] is not None:
        properties[keys.FROM_MODEL] = target["model_id"]
    summary = {"runner": "rollback", "started": started, "seconds": round(ended - started, 2),
               "status": keys.ROLLBACK_STATUS, "reason": f"{plan.reason} (version {target['version']} served again "
                                                          f"in place of {serving['version']}, by {plan.user})",
               "failed_node": None, "error": None, "pushed_to": folder, "metrics": target["metrics"],
               "planned": [keys.ROLLBACK_NODE], "nodes": {keys.ROLLBACK_NODE: "COMPLETE"}, "spans": target["spans"]}
    push = {"pushed": 1, "pushed_destination": folder, "pushed_version": str(version)}
    return RecordedStep(plan.pipeline, run_id, keys.ROLLBACK_NODE, keys.ROLLBACK_TYPE, properties,
                        {"model": target["model_id"]} if target["model_id"] is not None else {},
                        {"pushed_model": ("PushedModel", folder, push)},
                        {keys.PIPELINE: plan.pipeline, keys.RUN: json.dumps(summary, sort_keys=True)})


def describe(answer: dict) -> str:
    """A rollback (or, `--dry-run`, its plan) for people."""
    plan = answer["plan"]
    target, serving = plan["target"], plan["serving"]
    what = (f"model {target['model_id']} (version {target['version']}, pushed by run {target['run_id']})"
            f" in place of version {serving['version']} (model {serving['model_id']})")
    if answer["dry_run"]:
        return (f"would serve {what} as a new highest version in {plan['destination']}, copied from "
                f"{plan['source']}; reason: {plan['reason']}\n(dry run: nothing was changed)")
    return (f"rolled back pipeline {plan['pipeline']}: version {answer['version']} now serves {what}\n"
            f"    {answer['folder']}\n"
            f"    recorded as run {answer['run_id']} (execution {answer['execution_id']}, pushed model "
            f"{answer['pushed_model_id']}) by {plan['user']}: {plan['reason']}")
