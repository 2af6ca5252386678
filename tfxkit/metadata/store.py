"""tfxkit's own small interface over ML Metadata: runs, executions, artifacts, events.

Everything above this package (runners, lineage, report) reads and annotates
the metadata store through `Store` and the plain dataclasses here, never
through ml_metadata types. MLMD is in maintenance mode; another backend
replaces it by implementing this one class. Only ml_metadata is imported (no
TensorFlow or TFX), and every query is batched so that a remote MariaDB or
PostgreSQL store answers an audit in a handful of round trips.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable

from ml_metadata import errors, metadata_store
from ml_metadata.proto import metadata_store_pb2

from tfxkit.metadata.connection import open_store

PIPELINE = "pipeline"
PIPELINE_RUN = "pipeline_run"
NODE = "node"

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_STATE_NAMES = {v: k for k, v in metadata_store_pb2.Execution.State.items()}
_ARTIFACT_STATES = dict(metadata_store_pb2.Artifact.State.items())
_ARTIFACT_STATE_NAMES = {v: k for k, v in _ARTIFACT_STATES.items()}
_OUTPUT_EVENTS = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
_INPUT_EVENTS = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)


@dataclass
class Artifact:
    """One artifact: what it is, where it lives, and its (custom) properties."""

    id: int
    type: str
    uri: str
    created: float  # seconds since the epoch
    properties: dict[str, object] = field(default_factory=dict)
    state: str = "LIVE"  # LIVE, MARKED_FOR_DELETION, DELETED (removed by `tfxkit gc`), ...


@dataclass
class Execution:
    """One component execution; `node_id` is the pipeline node it belongs to."""

    id: int
    type: str
    node_id: str
    state: str  # COMPLETE, CACHED, FAILED, RUNNING, ...
    started: float
    updated: float
    properties: dict[str, object] = field(default_factory=dict)


@dataclass
class Link:
    """An event: `artifact` went into (input) or came out of (output) `execution` under `key`."""

    execution_id: int
    artifact_id: int
    key: str
    is_output: bool


@dataclass
class RecordedStep:
    """An execution tfxkit runs itself (a rollback), as `Store.record_execution` records it."""

    pipeline: str
    run_id: str  # a run of its own: `runs` lists it
    node_id: str  # its node: `<pipeline>.<node_id>`
    type_name: str  # the execution type, e.g. tfxkit.Rollback
    properties: dict[str, object]
    inputs: dict[str, int]  # key -> an existing artifact's id
    outputs: dict[str, tuple[str, str, dict[str, object]]]  # key -> (artifact type, uri, custom properties)
    run_values: dict[str, object] = field(default_factory=dict)  # custom properties of the run


@dataclass
class Run:
    """One pipeline run (a pipeline_run context) and the properties recorded on it."""

    id: str
    context_id: int
    created: float
    properties: dict[str, object] = field(default_factory=dict)

    def json_property(self, name: str) -> object:
        value = self.properties.get(name)
        return json.loads(value) if isinstance(value, str) and value else None


def _value(v: metadata_store_pb2.Value) -> object:
    kind = v.WhichOneof("value")
    if kind in ("proto_value", "struct_value"):
        return str(getattr(v, kind))
    return getattr(v, kind) if kind else None


def _props(message) -> dict[str, object]:
    out = {k: _value(v) for k, v in message.properties.items()}
    out.update({k: _value(v) for k, v in message.custom_properties.items()})
    return out


def _set(target, values: dict[str, object]) -> None:
    for key, value in values.items():
        slot = target.custom_properties[key]
        if isinstance(value, bool) or isinstance(value, int):
            slot.int_value = int(value)
        elif isinstance(value, float):
            slot.double_value = value
        elif isinstance(value, str):
            slot.string_value = value
        else:
            slot.string_value = json.dumps(value, sort_keys=True)


class Store:
    """A metadata store opened from an MLMD ConnectionConfig (see `connection.py`)."""

    def __init__(self, config: metadata_store_pb2.ConnectionConfig):
        self._store: metadata_store.MetadataStore = open_store(config)
        self._artifact_types: dict[int, str] | None = None
        self._execution_types: dict[int, str] | None = None
        self._contexts: dict[int, list] = {}

    # -- pipelines and runs ------------------------------------------------------------------------------------

    def pipelines(self) -> list[str]:
        """Names of every pipeline with a context in the store."""
        return sorted(c.name for c in self._store.get_contexts_by_type(PIPELINE))

    def runs(self, pipeline: str) -> list[Run]:
        """The pipeline's runs, newest first."""
        node_prefix = f"{pipeline}."
        runs = []
        for run_ctx in self._store.get_contexts_by_type(PIPELINE_RUN):
            props = _props(run_ctx)
            if "tfxkit_pipeline" in props:  # recorded by tfxkit's runner: no query needed
                if props["tfxkit_pipeline"] != pipeline:
                    continue
            else:  # a run TFX recorded alone: it is ours when its (first) execution is one of our nodes'
                executions = self._store.get_executions_by_context(
                    run_ctx.id, list_options=metadata_store.ListOptions(limit=1))
                if not executions or not any(c.name.startswith(node_prefix)
                                             for c in self._store.get_contexts_by_execution(executions[0].id)):
                    continue
            runs.append(Run(run_ctx.name, run_ctx.id, run_ctx.create_time_since_epoch / 1000, props))
        return sorted(runs, key=lambda r: (r.created, r.id), reverse=True)

    def run(self, run_id: str) -> Run | None:
        ctx = self._store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
        return None if ctx is None else Run(ctx.name, ctx.id, ctx.create_time_since_epoch / 1000, _props(ctx))

    def start_run(self, run_id: str, values: dict[str, object]) -> None:
        """Create the run's context now, with `values`, before TFX runs a node (TFX then reuses it).

        What a run is (its pipeline, spec and spec hash) is known when it starts: recorded then,
        a run killed at any point still says which spec it ran.
        """
        if self.annotate_run(run_id, values):
            return
        type_id = self._store.put_context_type(metadata_store_pb2.ContextType(name=PIPELINE_RUN),
                                               can_add_fields=True)
        context = metadata_store_pb2.Context(type_id=type_id, name=run_id)
        _set(context, values)
        try:
            self._store.put_contexts([context])
        except errors.AlreadyExistsError:  # TFX (or a retry) made it an instant earlier
            self.annotate_run(run_id, values)

    def annotate_run(self, run_id: str, values: dict[str, object]) -> bool:
        """Add or replace custom properties on a run (values that are not scalars are stored as JSON)."""
        ctx = self._store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
        if ctx is None:
            return False
        _set(ctx, values)
        self._store.put_contexts([ctx])
        return True

    # -- executions --------------------------------------------------------------------------------------------

    def run_executions(self, pipeline: str, run_id: str) -> list[Execution]:
        """Each node execution of a run (cached ones included), in execution order."""
        ctx = self._store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
        if ctx is None:
            return []
        return self._executions(self._store.get_executions_by_context(ctx.id), pipeline)

    def cancel_stopped(self, run_id: str, since_ms: int) -> int:
        """Mark CANCELED the run's executions that were RUNNING, or that FAILED at `since_ms` (milliseconds
        since the epoch, as MLMD's update times) or later: the run was interrupted then and will not finish them.

        Returns how many were marked. Only for a run this process owns: another process's running
        executions are alive, however old.
        """
        ctx = self._store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
        if ctx is None:
            return 0
        state = metadata_store_pb2.Execution
        stopped = [e for e in self._store.get_executions_by_context(ctx.id)
                   if e.last_known_state == state.RUNNING
                   or (e.last_known_state == state.FAILED and e.last_update_time_since_epoch >= since_ms)]
        for execution in stopped:
            execution.last_known_state = state.CANCELED
        if stopped:
            self._store.put_executions(stopped)
        return len(stopped)

    def executions(self, pipeline: str, ids: Iterable[int]) -> list[Execution]:
        """Executions of the pipeline's nodes by id (others are left out)."""
        wanted = list(set(ids))
        return self._executions(self._store.get_executions_by_id(wanted) if wanted else [], pipeline)

    def _executions(self, raw: list, pipeline: str) -> list[Execution]:
        if self._execution_types is None:
            self._execution_types = {t.id: t.name for t in self._store.get_execution_types()}
        prefix = f"{pipeline}."
        out = []
        for e in raw:
            node = next((c.name[len(prefix):] for c in self._contexts_of(e.id) if c.name.startswith(prefix)), None)
            if node is not None:
                out.append(Execution(e.id, self._execution_types.get(e.type_id, ""), node,
                                     _STATE_NAMES.get(e.last_known_state, "UNKNOWN"), e.create_time_since_epoch / 1000,
                                     e.last_update_time_since_epoch / 1000, _props(e)))
        return sorted(out, key=lambda e: e.id)

    def _contexts_of(self, execution_id: int) -> list:
        """An execution's contexts (pipeline, node, run), fetched once: a few rows, not the pipeline's history."""
        if execution_id not in self._contexts:
            self._contexts[execution_id] = self._store.get_contexts_by_execution(execution_id)
        return self._contexts[execution_id]

    def runs_of_execution(self, execution_id: int) -> list[str]:
        """Ids of the runs an execution belongs to (one for TFX's runners)."""
        run_type = self._store.get_context_type(PIPELINE_RUN).id
        return [c.name for c in self._contexts_of(execution_id) if c.type_id == run_type]

    # -- artifacts and events ----------------------------------------------------------------------------------

    def artifacts(self, ids: Iterable[int]) -> dict[int, Artifact]:
        """Artifacts by id (unknown ids are left out)."""
        wanted = list(set(ids))
        return self._wrap(self._store.get_artifacts_by_id(wanted) if wanted else [])

    def _wrap(self, raw: list) -> dict[int, Artifact]:
        if self._artifact_types is None:
            self._artifact_types = {t.id: t.name for t in self._store.get_artifact_types()}
        return {a.id: Artifact(a.id, self._artifact_types.get(a.type_id, ""), a.uri, a.create_time_since_epoch / 1000,
                               _props(a), _ARTIFACT_STATE_NAMES.get(a.state, "UNKNOWN")) for a in raw}

    def artifact(self, artifact_id: int) -> Artifact | None:
        return self.artifacts([artifact_id]).get(artifact_id)

    def artifacts_of_type(self, type_name: str, pipeline: str | None = None, pushed_only: bool = False
                          ) -> list[Artifact]:
        """Every artifact of a type (of one pipeline when named; only pushed ones), oldest first.

        One filtered query: the store's other artifacts are never read.
        """
        if not _NAME.fullmatch(type_name) or (pipeline is not None and not _NAME.fullmatch(pipeline)):
            return []  # not a name tfxkit or TFX would give: nothing can match, and nothing is quoted unsafely
        query = f"type = '{type_name}'"
        if pipeline is not None:
            query += f" AND contexts_a.type = '{PIPELINE}' AND contexts_a.name = '{pipeline}'"
        if pushed_only:
            query += " AND custom_properties.pushed.int_value = 1"
        raw = self._store.get_artifacts(list_options=metadata_store.ListOptions(filter_query=query))
        return sorted(self._wrap(raw).values(), key=lambda a: a.id)

    def pipeline_artifacts(self, pipeline: str, deleted: bool = True) -> dict[int, Artifact]:
        """Every artifact attributed to the pipeline (TFX attributes each output to its pipeline); without the
        DELETED ones when `deleted` is False (after a `tfxkit gc`, what it removed is never read again). One
        filtered query."""
        if not _NAME.fullmatch(pipeline):
            return {}
        query = f"contexts_a.type = '{PIPELINE}' AND contexts_a.name = '{pipeline}'"
        if not deleted:
            query += " AND state != DELETED"
        return self._wrap(self._store.get_artifacts(list_options=metadata_store.ListOptions(filter_query=query)))

    def run_has_removed_artifacts(self, run_id: str) -> bool:
        """Whether `tfxkit gc` removed (or is removing) an artifact of the run: one filtered query, on the up-to-date
        check's path (TFX attributes each output, cached ones included, to the run that published it)."""
        if not _NAME.fullmatch(run_id):
            return False
        query = (f"contexts_a.type = '{PIPELINE_RUN}' AND contexts_a.name = '{run_id}' "
                 "AND (state = DELETED OR state = MARKED_FOR_DELETION)")
        return bool(self._store.get_artifacts(list_options=metadata_store.ListOptions(filter_query=query, limit=1)))

    def set_artifact_state(self, ids: Iterable[int], state: str) -> None:
        """Mark artifacts (e.g. DELETED once `tfxkit gc` removed their files: TFX's cache then skips them)."""
        raw = self._store.get_artifacts_by_id(list(set(ids)))
        for artifact in raw:
            artifact.state = _ARTIFACT_STATES[state]
        if raw:
            self._store.put_artifacts(raw)

    def executions_of_type(self, type_name: str, pipeline: str) -> list[Execution]:
        """Every execution of a type in the pipeline (one filtered query), oldest first."""
        if not _NAME.fullmatch(type_name) or not _NAME.fullmatch(pipeline):
            return []
        query = f"type = '{type_name}' AND contexts_a.type = '{PIPELINE}' AND contexts_a.name = '{pipeline}'"
        return self._executions(self._store.get_executions(
            list_options=metadata_store.ListOptions(filter_query=query)), pipeline)

    def record_execution(self, step: "RecordedStep") -> tuple[int, dict[str, int]]:
        """Record an execution tfxkit ran itself (not TFX): its run, node, inputs and new output artifacts.

        One MLMD transaction: the execution, its events, the new artifacts and their attribution to the
        pipeline, the run (a `pipeline_run` context of its own, with `step.run_values`) and the node, so
        TFX's resolvers and every audit see it like a component's. Returns the execution id and the new
        artifacts' ids by output key.
        """
        pipeline_ctx = metadata_store_pb2.Context(type_id=self._context_type(PIPELINE), name=step.pipeline)
        run_ctx = metadata_store_pb2.Context(type_id=self._context_type(PIPELINE_RUN), name=step.run_id)
        _set(run_ctx, step.run_values)
        node_ctx = metadata_store_pb2.Context(type_id=self._context_type(NODE), name=f"{step.pipeline}.{step.node_id}")
        execution = metadata_store_pb2.Execution(
            type_id=self._store.put_execution_type(metadata_store_pb2.ExecutionType(name=step.type_name),
                                                   can_add_fields=True, can_omit_fields=True),
            last_known_state=metadata_store_pb2.Execution.COMPLETE)
        _set(execution, step.properties)
        pairs = []
        for key, artifact_id in step.inputs.items():
            [artifact] = self._store.get_artifacts_by_id([artifact_id])
            pairs.append((artifact, _event(metadata_store_pb2.Event.INPUT, key)))
        for key, (type_name, uri, values) in step.outputs.items():
            artifact = metadata_store_pb2.Artifact(type_id=self._artifact_type(type_name), uri=uri,
                                                   state=metadata_store_pb2.Artifact.LIVE)
            _set(artifact, values)
            pairs.append((artifact, _event(metadata_store_pb2.Event.OUTPUT, key)))
        execution_id, artifact_ids, _ = self._store.put_execution(
            execution, pairs, [pipeline_ctx, run_ctx, node_ctx], reuse_context_if_already_exist=True)
        self._artifact_types = None  # a type may be new
        return execution_id, dict(zip(step.outputs, artifact_ids[len(step.inputs):]))

    def _context_type(self, name: str) -> int:
        return self._store.put_context_type(metadata_store_pb2.ContextType(name=name), can_add_fields=True,
                                            can_omit_fields=True)

    def _artifact_type(self, name: str) -> int:
        """An artifact type's id, registered when the store has none yet (an existing one is never changed)."""
        try:
            return self._store.get_artifact_type(name).id
        except errors.NotFoundError:
            return self._store.put_artifact_type(metadata_store_pb2.ArtifactType(name=name))

    def links_of_executions(self, ids: Iterable[int]) -> list[Link]:
        """Input and output events of executions."""
        wanted = list(set(ids))
        events = self._store.get_events_by_execution_ids(wanted) if wanted else []
        return [_link(e) for e in events if e.type in _OUTPUT_EVENTS + _INPUT_EVENTS]

    def links_of_artifacts(self, ids: Iterable[int]) -> list[Link]:
        """Events that produced or consumed artifacts."""
        wanted = list(set(ids))
        events = self._store.get_events_by_artifact_ids(wanted) if wanted else []
        return [_link(e) for e in events if e.type in _OUTPUT_EVENTS + _INPUT_EVENTS]


def _event(kind: int, key: str) -> metadata_store_pb2.Event:
    """An event whose path is [key, index 0], as TFX writes them."""
    event = metadata_store_pb2.Event(type=kind)
    event.path.steps.add().key = key
    event.path.steps.add().index = 0
    return event


def _link(event: metadata_store_pb2.Event) -> Link:
    key = event.path.steps[0].key if event.path.steps else ""
    return Link(event.execution_id, event.artifact_id, key, event.type in _OUTPUT_EVENTS)
