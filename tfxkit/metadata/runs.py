"""What MLMD knows about pipeline runs: node states, outputs, the recorded spec.

A small interface of our own over ml_metadata, used by the runners after a run
and by lineage reports. Only ml_metadata is imported (no TensorFlow or TFX),
and nothing outside this package touches MLMD types directly, so another
metadata backend can replace it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

PIPELINE_RUN = "pipeline_run"
NODE = "node"
SPEC_PROPERTY = "tfxkit_spec"
SPEC_HASH_PROPERTY = "tfxkit_spec_hash"

_STATE_NAMES = {v: k for k, v in metadata_store_pb2.Execution.State.items()}


@dataclass
class ArtifactInfo:
    """One output artifact of a node execution."""

    key: str
    type: str
    uri: str
    properties: dict[str, object] = field(default_factory=dict)


@dataclass
class NodeRun:
    """One node's execution in one run."""

    node_id: str
    state: str  # COMPLETE, CACHED, FAILED, RUNNING, ...
    execution_id: int
    outputs: list[ArtifactInfo] = field(default_factory=list)

    def output(self, key: str) -> ArtifactInfo | None:
        """The first output artifact under `key`."""
        return next((a for a in self.outputs if a.key == key), None)


def _value(v: metadata_store_pb2.Value) -> object:
    kind = v.WhichOneof("value")
    if kind == "proto_value" or kind == "struct_value":
        return str(getattr(v, kind))
    return getattr(v, kind) if kind else None


def run_context_ids(store: metadata_store.MetadataStore) -> set[int]:
    """Ids of every pipeline_run context (to tell which one a new run created)."""
    return {c.id for c in store.get_contexts_by_type(PIPELINE_RUN)}


def latest_run_id(store: metadata_store.MetadataStore, pipeline: str, exclude: set[int] = frozenset()) -> str | None:
    """Name of the newest pipeline_run context holding executions of `pipeline`."""
    node_prefix = f"{pipeline}."
    runs = sorted(
        (c for c in store.get_contexts_by_type(PIPELINE_RUN) if c.id not in exclude),
        key=lambda c: c.create_time_since_epoch,
        reverse=True,
    )
    node_ctx_ids = {c.id for c in store.get_contexts_by_type(NODE) if c.name.startswith(node_prefix)}
    for ctx in runs:
        for execution in store.get_executions_by_context(ctx.id)[:1]:
            if any(c.id in node_ctx_ids for c in store.get_contexts_by_execution(execution.id)):
                return ctx.name
    return None


def node_runs(store: metadata_store.MetadataStore, pipeline: str, run_id: str) -> dict[str, NodeRun]:
    """Each node's execution in the run `run_id` of `pipeline`, with its outputs."""
    run_ctx = store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
    if run_ctx is None:
        return {}
    executions = {e.id: e for e in store.get_executions_by_context(run_ctx.id)}
    if not executions:
        return {}
    node_of: dict[int, str] = {}
    prefix = f"{pipeline}."
    for ctx in store.get_contexts_by_type(NODE):
        if ctx.name.startswith(prefix):
            for e in store.get_executions_by_context(ctx.id):
                if e.id in executions:
                    node_of[e.id] = ctx.name[len(prefix):]
    events = store.get_events_by_execution_ids(list(executions))
    outputs = [e for e in events if e.type in (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)]
    artifacts = {a.id: a for a in store.get_artifacts_by_id(list({e.artifact_id for e in outputs}))}
    type_names = {t.id: t.name for t in store.get_artifact_types()}
    result: dict[str, NodeRun] = {}
    for exec_id, execution in sorted(executions.items()):
        node_id = node_of.get(exec_id)
        if node_id is None:
            continue
        run = NodeRun(node_id, _STATE_NAMES.get(execution.last_known_state, "UNKNOWN"), exec_id)
        for event in outputs:
            if event.execution_id != exec_id or event.artifact_id not in artifacts:
                continue
            art = artifacts[event.artifact_id]
            key = event.path.steps[0].key if event.path.steps else ""
            props = {k: _value(v) for k, v in art.custom_properties.items()}
            run.outputs.append(ArtifactInfo(key, type_names.get(art.type_id, ""), art.uri, props))
        result[node_id] = run
    return result


def record_spec(store: metadata_store.MetadataStore, run_id: str, spec_json: str, spec_hash: str) -> None:
    """Store the resolved spec and its hash on the run's context, for audits and reproduction."""
    ctx = store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
    if ctx is None:
        return
    ctx.custom_properties[SPEC_PROPERTY].string_value = spec_json
    ctx.custom_properties[SPEC_HASH_PROPERTY].string_value = spec_hash
    store.put_contexts([ctx])


def recorded_spec(store: metadata_store.MetadataStore, run_id: str) -> tuple[str, str] | None:
    """(spec JSON, spec hash) recorded for a run, if any."""
    ctx = store.get_context_by_type_and_name(PIPELINE_RUN, run_id)
    if ctx is None or SPEC_PROPERTY not in ctx.custom_properties:
        return None
    props = ctx.custom_properties
    return props[SPEC_PROPERTY].string_value, props[SPEC_HASH_PROPERTY].string_value
