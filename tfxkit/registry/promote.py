"""`tfxkit promote`: copy a blessed model into another named destination (push.destinations), recorded in MLMD.

The pipeline pushes to the first of push.destinations (say `staging`); a model
that did well there is promoted to another (`production`) by the same atomic
copy a rollback makes (tfxkit.registry.copy): its bytes as a new version above
every one present in that destination, digest checked, recorded as an
execution of its own (`tfxkit.Promote`) in a run of its own: input the Model,
output a PushedModel carrying `promoted_to` (the destination's name), so the
pipeline's own serving rule (tfxkit.metadata.serving) leaves it out and a
promotion never changes the next run's baseline, warm start or drift baseline.

Only a model the pipeline blessed or pushed is promoted: one nobody ever
approved must not reach production by a typo.
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
from tfxkit.lineage.models import PROMOTE, ModelVersion, model_versions
from tfxkit.metadata import keys
from tfxkit.metadata.serving import PushRecord, serving_in
from tfxkit.metadata.store import RecordedStep, Store
from tfxkit.registry.copy import Served, require_source, serve_copy, user, version_source


@dataclass
class PromotePlan:
    """What a promotion will do (all `--dry-run` prints)."""

    pipeline: str
    name: str  # the destination's name in push.destinations
    destination: str  # its folder (the base a server polls)
    model: dict  # the version whose bytes are copied (ModelVersion JSON)
    source: str  # the folder they are copied from
    serving: dict | None  # the version the destination serves now, if tfxkit knows one
    reason: str
    user: str

    def to_json(self) -> dict:
        return asdict(self)


def plan_promote(store: Store, pipeline: str, model: str, to: str, destinations: dict[str, str],
                 reason: str = "") -> PromotePlan:
    """Which version's bytes go where; refuses (LineageError, one line) a spec without push.destinations, an
    unknown destination, the pipeline's own, an unknown or never blessed model, one the destination already
    serves, and files that are gone."""
    folder = _destination(to, destinations)
    versions = model_versions(store, pipeline)
    chosen = _version_of(store, pipeline, model, versions)
    serving = _serving_in(versions, folder)
    if serving is not None and serving.model_id == chosen.model_id:
        raise LineageError(f"--to {to}: {to} already serves model {chosen.model_id} (version {serving.version} "
                           f"in {folder}); nothing to promote")
    source = require_source(chosen, store, f"model {model}")
    return PromotePlan(pipeline, to, folder, chosen.to_json(), source, serving.to_json() if serving else None,
                       reason.strip(), user())


def _destination(to: str, destinations: dict[str, str]) -> str:
    """The named destination's folder; not the pipeline's own (its first): there the pipeline and rollback decide."""
    if not destinations:
        raise LineageError("promote: the spec has no push.destinations (name the folders, e.g. push.destinations: "
                           "{staging: serving/staging, production: serving/production})")
    names = list(destinations)
    if to not in destinations:
        raise LineageError(f"--to {to}: no destination '{to}' in push.destinations{nearest(to, names)} "
                           f"(destinations: {', '.join(names)})")
    if to == names[0]:
        raise LineageError(f"--to {to}: '{to}' is where the pipeline itself pushes (the first of push.destinations);"
                           f" promote copies to another ({', '.join(names[1:]) or 'none named'}); "
                           "`tfxkit rollback` serves another model there")
    return os.path.normpath(destinations[to])


def _version_of(store: Store, pipeline: str, model: str, versions: list[ModelVersion]) -> ModelVersion:
    """The version MODEL names: a version number `models` lists, else a Model id (its highest version whose
    files are still there, the pipeline's own pushes first). Refused: anything else, a model never blessed."""
    if not model.isdigit():
        raise LineageError(f"model '{model}': expected a version number or a Model id (`tfxkit models` lists both)")
    number = int(model)
    named = [v for v in versions if v.version == number]
    if named:
        chosen = named[0]
        if chosen.model_id is None:
            raise LineageError(f"model {model}: version {number} records no Model; it cannot be promoted")
        return chosen
    held = sorted((v for v in versions if v.model_id == number), key=lambda v: v.kind == PROMOTE)
    if held:
        return next((v for v in held if version_source(v, store) is not None), held[0])
    artifact = store.artifact(number)
    if artifact is None or artifact.type != "Model":
        shown = [str(v.version) for v in versions if v.version is not None]
        raise LineageError(f"model {model}: pipeline '{pipeline}' pushed no version {model} and has no Model "
                           f"{model}{nearest(model, shown)} (versions: {', '.join(shown[:6]) or 'none yet'}"
                           f"{', ...' if len(shown) > 6 else ''})")
    if not _blessed(store, pipeline, number):
        raise LineageError(f"model {model}: the Evaluator never blessed it and the pipeline never pushed it; "
                           "only a blessed model is promoted")
    raise LineageError(f"model {model}: blessed but never pushed, so no destination holds its serving bytes "
                       "(promote copies a pushed version; `tfxkit models` lists them)")


def _blessed(store: Store, pipeline: str, model_id: int) -> bool:
    return any(b.properties.get("current_model_id") == model_id and b.properties.get("blessed") == 1
               for b in store.artifacts_of_type("ModelBlessing", pipeline))


def _serving_in(versions: list[ModelVersion], folder: str) -> ModelVersion | None:
    """The version a server polling `folder` loads now, among those tfxkit recorded."""
    records = [PushRecord(v.pushed_model_id, v.destination) for v in versions]
    order = serving_in(records, folder)
    return next((v for v in versions if order and v.pushed_model_id == order[0].id), None)


def promote(store: Store, plan: PromotePlan, clock: Callable[[], float] = time.time,
            copy: Callable[[str, str], object] | None = None) -> Served:
    """Copy the plan's version into a new highest version of its destination and record it (module docstring).

    `clock` and `copy` are the atomic push's (tests hold promotions mid-copy to run them at once).
    """
    return serve_copy(store, plan, partial(_step, plan), clock, copy)


def _step(plan: PromotePlan, run_id: str, version: int, folder: str, started: float, ended: float) -> RecordedStep:
    """The promotion as MLMD records it: execution, run (with a summary `runs` lists), input Model, output push."""
    source = plan.model
    when = datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(timespec="seconds")
    properties = {keys.FROM_PUSHED_MODEL: source["pushed_model_id"], keys.FROM_MODEL: source["model_id"],
                  keys.PROMOTED_TO: plan.name, keys.DESTINATION: plan.destination, keys.USER: plan.user,
                  keys.TIME: when, keys.REASON: plan.reason}
    if source["version"] is not None:
        properties[keys.FROM_VERSION] = source["version"]
    why = f"model {source['model_id']} (version {source['version']}) promoted to {plan.name} by {plan.user}"
    summary = {"runner": "promote", "started": started, "seconds": round(ended - started, 2),
               "status": keys.PROMOTE_STATUS, "reason": f"{plan.reason} ({why})" if plan.reason else why,
               "failed_node": None, "error": None, "pushed_to": folder, "metrics": source["metrics"],
               "planned": [keys.PROMOTE_NODE], "nodes": {keys.PROMOTE_NODE: "COMPLETE"}, "spans": source["spans"]}
    push = {"pushed": 1, "pushed_destination": folder, "pushed_version": str(version), keys.PROMOTED_TO: plan.name}
    return RecordedStep(plan.pipeline, run_id, keys.PROMOTE_NODE, keys.PROMOTE_TYPE, properties,
                        {"model": source["model_id"]}, {"pushed_model": ("PushedModel", folder, push)},
                        {keys.PIPELINE: plan.pipeline, keys.RUN: json.dumps(summary, sort_keys=True)})


def describe(answer: dict) -> str:
    """A promotion (or, `--dry-run`, its plan) for people."""
    plan = answer["plan"]
    model, serving = plan["model"], plan["serving"]
    what = f"model {model['model_id']} (version {model['version']}, pushed by run {model['run_id']})"
    instead = (f" in place of version {serving['version']} (model {serving['model_id']})" if serving
               else " (it serves no version tfxkit recorded yet)")
    why = f"; reason: {plan['reason']}" if plan["reason"] else ""
    if answer["dry_run"]:
        return (f"would promote {what} to {plan['name']}{instead}, as a new highest version in {plan['destination']}"
                f", copied from {plan['source']}{why}\n(dry run: nothing was changed)")
    return (f"promoted {what} to {plan['name']}: version {answer['version']} serves it{instead}\n"
            f"    {answer['folder']}\n"
            f"    recorded as run {answer['run_id']} (execution {answer['execution_id']}, pushed model "
            f"{answer['pushed_model_id']}) by {plan['user']}" + (f": {plan['reason']}" if plan["reason"] else ""))
