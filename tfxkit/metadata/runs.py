"""A run's node executions with their outputs, the spec and the artifact facts recorded on runs.

Thin views over `Store` for the runner's report and the tests; the lineage
package builds its richer views on the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tfxkit.metadata.keys import FACTS, SPEC, SPEC_HASH
from tfxkit.metadata.store import Store


@dataclass
class ArtifactInfo:
    """One output artifact of a node execution."""

    key: str
    type: str
    uri: str
    properties: dict[str, object] = field(default_factory=dict)
    id: int = 0


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


def latest_run_id(store: Store, pipeline: str) -> str | None:
    """The newest run of `pipeline`."""
    runs = store.runs(pipeline)
    return runs[0].id if runs else None


def node_runs(store: Store, pipeline: str, run_id: str) -> dict[str, NodeRun]:
    """Each node's execution in the run `run_id` of `pipeline`, with its outputs."""
    executions = store.run_executions(pipeline, run_id)
    links = [link for link in store.links_of_executions(e.id for e in executions) if link.is_output]
    artifacts = store.artifacts(link.artifact_id for link in links)
    result: dict[str, NodeRun] = {}
    for execution in executions:
        run = NodeRun(execution.node_id, execution.state, execution.id)
        for link in links:
            art = artifacts.get(link.artifact_id)
            if link.execution_id == execution.id and art is not None:
                run.outputs.append(ArtifactInfo(link.key, art.type, art.uri, art.properties, art.id))
        result[execution.node_id] = run
    return result


def recorded_spec(store: Store, run_id: str) -> tuple[str, str] | None:
    """(spec JSON, spec hash) recorded for a run, if any."""
    run = store.run(run_id)
    if run is None or SPEC not in run.properties:
        return None
    return str(run.properties[SPEC]), str(run.properties.get(SPEC_HASH, ""))


def recorded_facts(store: Store, pipeline: str) -> dict[str, dict[str, Any]]:
    """{artifact id: {fact: value}} merged over the pipeline's runs."""
    merged: dict[str, dict[str, Any]] = {}
    for run in reversed(store.runs(pipeline)):  # oldest first: a newer record of a fact wins
        for artifact_id, facts in (run.json_property(FACTS) or {}).items():
            merged.setdefault(artifact_id, {}).update(facts)
    return merged
