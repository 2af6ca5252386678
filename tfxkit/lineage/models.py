"""Every model version a pipeline pushed, and which one serves: what `tfxkit models` shows.

A version is a successful push (a PushedModel with pushed == 1), by TFX's
Pusher in a run, by `tfxkit rollback` (an execution of its own that copied an
earlier version's bytes into a new highest version) or by `tfxkit promote` (the
same, into another named destination of push.destinations). Its status is what
a model server polling its destination sees (`tfxkit.metadata.serving`), each
destination on its own:

- serving      the version the server of its destination loads (the highest one present),
- rolled back   taken out of service by a rollback (its folder is still there),
- removed       its version folder is gone,
- previous      any other version still present.

A handful of batched queries however many versions there are: the runs (with
their recorded summaries), the pushes, their producers' events, the rollbacks.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from tfxkit.lineage.runs import iso, pipeline_runs
from tfxkit.metadata import keys
from tfxkit.metadata.serving import MODEL_KEY, PushRecord, serving_in, serving_order
from tfxkit.metadata.serving import push_record as serving_record
from tfxkit.metadata.store import Artifact, Run, Store

SERVING, PREVIOUS, ROLLED_BACK, REMOVED = "serving", "previous", "rolled_back", "removed"
PUSH, ROLLBACK, PROMOTE = "push", "rollback", "promote"  # a version's kind: who wrote it


@dataclass
class ModelVersion:
    """One line of `tfxkit models`; `asdict` of it is the documented JSON."""

    version: int | None
    destination: str  # the version folder
    pushed: str  # ISO 8601, UTC: when the version was written
    run_id: str | None  # the run that pushed it (a rollback's own run for a rollback)
    kind: str  # push | rollback | promote
    status: str  # serving | previous | rolled_back | removed, in its own destination
    model_id: int | None  # the Model it holds
    pushed_model_id: int
    metrics: dict[str, float] = field(default_factory=dict)  # the Evaluator's, when the model was pushed
    spans: list[dict] = field(default_factory=list)  # data in spans: [{span, version, label}]
    data: str | None = None  # the data path the run read (a file, folder or pattern)
    rollback: dict | None = None  # a rollback's: from_version, from_pushed_model_id, replaced_version, reason, user, time
    rolled_back_by: dict | None = None  # for a version a rollback took out of service: its version, run, reason
    destination_name: str | None = None  # its destination's name in push.destinations (None: a spec without names)
    promotion: dict | None = None  # a promotion's: from_version, from_pushed_model_id, from_model_id, reason, user, time

    def to_json(self) -> dict:
        return asdict(self)


def pushes(store: Store, pipeline: str) -> list[Artifact]:
    """The pipeline's successful pushes (pushed == 1), oldest first: by TFX's Pusher and by rollbacks."""
    return store.artifacts_of_type("PushedModel", pipeline, pushed_only=True)


def push_record(push: Artifact) -> PushRecord:
    """The serving rule's record of a push from tfxkit's Store (`pushes` holds only pushes that pushed)."""
    properties = {**push.properties, "pushed_destination": push.properties.get("pushed_destination") or push.uri}
    return serving_record(push.id, properties) or PushRecord(push.id, str(properties["pushed_destination"]))


def served_push(store: Store, pipeline: str, found: list[Artifact] | None = None) -> Artifact | None:
    """The push a model server serves now (see tfxkit.metadata.serving); None before the first push."""
    found = pushes(store, pipeline) if found is None else found
    order = serving_order(push_record(p) for p in found)
    return next((p for p in found if p.id == order[0].id), None) if order else None


def model_versions(store: Store, pipeline: str) -> list[ModelVersion]:
    """Every version the pipeline pushed, highest first (see the module docstring)."""
    runs = pipeline_runs(store, pipeline)
    found = pushes(store, pipeline)
    producers = {link.artifact_id: link.execution_id for link in store.links_of_artifacts(p.id for p in found)
                 if link.is_output}
    models = {link.execution_id: link.artifact_id for link in store.links_of_executions(set(producers.values()))
              if not link.is_output and link.key == MODEL_KEY}
    rollbacks = {e.id: e for e in store.executions_of_type(keys.ROLLBACK_TYPE, pipeline)}
    promotions = {e.id: e for e in store.executions_of_type(keys.PROMOTE_TYPE, pipeline)}
    by_folder = _runs_by_push_folder(runs)
    records = [push_record(p) for p in found]
    serving = serving_order(records)
    # what each destination serves: the pipeline's own (the serving rule), and each one a promotion copied into
    elsewhere = [serving_in(records, base) for base in {r.base for r in records if r.promoted_to}]
    served = {order[0].id for order in [serving, *elsewhere] if order}
    names = _destination_names(runs, records)
    anything_present = any(os.path.isdir(r.folder) for r in records)
    replaced = {int(e.properties[keys.REPLACED_PUSHED_MODEL]): e for e in rollbacks.values()
                if keys.REPLACED_PUSHED_MODEL in e.properties}
    rows: dict[int, ModelVersion] = {}
    for push, record in zip(found, records):
        producer = producers.get(push.id)
        run = by_folder.get(os.path.normpath(record.folder))
        if run is None and producer is not None:
            run_ids = store.runs_of_execution(producer)
            run = store.run(run_ids[0]) if run_ids else None
        summary = (run.json_property(keys.RUN) if run else None) or {}
        kind = ROLLBACK if producer in rollbacks else PROMOTE if producer in promotions else PUSH
        row = ModelVersion(record.version, record.folder, iso(push.created), run.id if run else None,
                           kind, PREVIOUS, models.get(producer), push.id,
                           summary.get("metrics") or {}, summary.get("spans") or [], _data_path(run),
                           destination_name=record.promoted_to or names.get(os.path.normpath(record.base)))
        if producer in rollbacks:
            row.rollback = _rollback_facts(rollbacks[producer])
        if producer in promotions:
            row.promotion = _promotion_facts(promotions[producer])
        if push.id in served:
            row.status = SERVING
        elif anything_present and not os.path.isdir(record.folder):
            row.status = REMOVED
        elif push.id in replaced:
            row.status = ROLLED_BACK
        if push.id in replaced:
            by = replaced[push.id]
            by_run = store.runs_of_execution(by.id)
            row.rolled_back_by = {"run_id": by_run[0] if by_run else None, "reason": by.properties.get(keys.REASON)}
        rows[push.id] = row
    for row in rows.values():  # a rollback or promotion holds the bytes (so the metrics and data) of the version it copied
        source = rows.get(int((row.rollback or row.promotion or {}).get(keys.FROM_PUSHED_MODEL) or -1))
        if source is not None:
            row.metrics, row.spans, row.data = source.metrics, source.spans, source.data
    for push_id, by in replaced.items():  # the version that replaced it (the rollback's own push)
        out = next((r for r in rows.values() if r.rollback and r.rollback.get("execution_id") == by.id), None)
        if push_id in rows and rows[push_id].rolled_back_by is not None and out is not None:
            rows[push_id].rolled_back_by["version"] = out.version
    return sorted(rows.values(), key=lambda r: (r.version if r.version is not None else -1, r.pushed_model_id),
                  reverse=True)


def _runs_by_push_folder(runs: list[Run]) -> dict[str, Run]:
    """Each run whose recorded summary says it pushed, by the version folder it pushed to."""
    out = {}
    for run in reversed(runs):  # oldest first: a later record of the same folder wins
        pushed_to = (run.json_property(keys.RUN) or {}).get("pushed_to")
        if pushed_to:
            out[os.path.normpath(str(pushed_to))] = run
    return out


def _data_path(run: Run | None) -> str | None:
    """The data path in the run's recorded spec (a file, a folder, or a span pattern)."""
    spec = run.properties.get(keys.SPEC) if run else None
    try:
        return json.loads(str(spec))["data"]["path"] if spec else None
    except (ValueError, KeyError, TypeError):
        return None


def _rollback_facts(execution) -> dict:
    props = execution.properties
    names = (keys.FROM_VERSION, keys.FROM_PUSHED_MODEL, keys.FROM_MODEL, keys.REPLACED_VERSION,
             keys.REPLACED_PUSHED_MODEL, keys.REASON, keys.USER, keys.TIME)
    return {"execution_id": execution.id, **{name: props.get(name) for name in names}}


def _promotion_facts(execution) -> dict:
    props = execution.properties
    names = (keys.FROM_VERSION, keys.FROM_PUSHED_MODEL, keys.FROM_MODEL, keys.PROMOTED_TO, keys.REASON, keys.USER,
             keys.TIME)
    return {"execution_id": execution.id, **{name: props.get(name) for name in names}}


def _destination_names(runs: list[Run], records: list[PushRecord]) -> dict[str, str]:
    """Each destination folder's name (by normalized folder): from the push.destinations of the runs' recorded
    specs (a later run's naming wins) and from promotions; a folder no spec named has none. Each distinct spec
    is parsed once (a thousand runs share a handful)."""
    names: dict[str, str] = {}
    parsed: dict[str, dict] = {}
    for run in reversed(runs):  # oldest first
        spec = run.properties.get(keys.SPEC)
        if not isinstance(spec, str):
            continue
        if spec not in parsed:
            try:
                named = (json.loads(spec).get("push") or {}).get("destinations")
            except (ValueError, AttributeError):
                named = None
            parsed[spec] = named if isinstance(named, dict) else {}
        names.update((os.path.normpath(str(folder)), str(name)) for name, folder in parsed[spec].items())
    names.update((os.path.normpath(r.base), r.promoted_to) for r in records if r.promoted_to)
    return names
