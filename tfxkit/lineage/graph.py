"""The artifact/execution graph of one pipeline, walked with a cache so an audit stays a few queries.

TFX links artifacts to executions with events: an execution's outputs and
inputs. A node served from the cache gets an execution of its own (state
CACHED) whose output events point at the artifacts of the execution that
really produced them; `producer` skips those, so provenance names the run that
did the work.
"""

from __future__ import annotations

from tfxkit.metadata.runs import recorded_facts
from tfxkit.metadata.store import Artifact, Execution, Link, Store


class Graph:
    """Lazy, cached walks over one pipeline's lineage in a store."""

    def __init__(self, store: Store, pipeline: str):
        self.store, self.pipeline = store, pipeline
        self._artifact_links: dict[int, list[Link]] = {}
        self._execution_links: dict[int, list[Link]] = {}
        self._executions: dict[int, Execution] = {}
        self._artifacts: dict[int, Artifact] = {}
        self._runs: dict[int, str | None] = {}
        self._facts: dict[str, dict] | None = None

    def fact(self, artifact: Artifact | None, name: str) -> object:
        """A fact tfxkit recorded about an artifact (see tfxkit.metadata.keys), None when absent."""
        if artifact is None:
            return None
        if self._facts is None:
            self._facts = recorded_facts(self.store, self.pipeline)
        return self._facts.get(str(artifact.id), {}).get(name)

    def artifacts_with_fact(self, name: str) -> list[Artifact]:
        """The artifacts a fact was recorded about, oldest first."""
        if self._facts is None:
            self._facts = recorded_facts(self.store, self.pipeline)
        ids = [int(i) for i, facts in self._facts.items() if name in facts]
        found = self.store.artifacts(ids)
        self._artifacts.update(found)
        return sorted(found.values(), key=lambda a: a.id)

    def artifact(self, artifact_id: int | None) -> Artifact | None:
        if artifact_id is None:
            return None
        if artifact_id not in self._artifacts:
            self._artifacts.update(self.store.artifacts([artifact_id]))
        return self._artifacts.get(artifact_id)

    def _load_executions(self, ids: set[int]) -> None:
        missing = ids - set(self._executions)
        if missing:
            self._executions.update({e.id: e for e in self.store.executions(self.pipeline, missing)})

    def execution(self, execution_id: int) -> Execution | None:
        self._load_executions({execution_id})
        return self._executions.get(execution_id)

    def links_of_artifact(self, artifact_id: int) -> list[Link]:
        if artifact_id not in self._artifact_links:
            self._artifact_links[artifact_id] = self.store.links_of_artifacts([artifact_id])
            self._load_executions({link.execution_id for link in self._artifact_links[artifact_id]})
        return self._artifact_links[artifact_id]

    def producer(self, artifact_id: int | None) -> Execution | None:
        """The execution that made the artifact (not a later one that reused it from the cache)."""
        if artifact_id is None:
            return None
        made = [self._executions[link.execution_id] for link in self.links_of_artifact(artifact_id)
                if link.is_output and link.execution_id in self._executions]
        real = [e for e in made if e.state != "CACHED"] or made
        return min(real, key=lambda e: e.id) if real else None

    def consumers(self, artifact_id: int, node_suffix: str, key: str | None = None) -> list[Execution]:
        """Executions of nodes whose id ends with `node_suffix` that read the artifact (under `key`)."""
        found = {link.execution_id for link in self.links_of_artifact(artifact_id)
                 if not link.is_output and (key is None or link.key == key)}
        return sorted((self._executions[i] for i in found if i in self._executions
                       and self._executions[i].node_id.endswith(node_suffix)), key=lambda e: e.id)

    def _links_of_execution(self, execution_id: int) -> list[Link]:
        if execution_id not in self._execution_links:
            links = self.store.links_of_executions([execution_id])
            self._execution_links[execution_id] = links
            wanted = {link.artifact_id for link in links} - set(self._artifacts)
            self._artifacts.update(self.store.artifacts(wanted))
        return self._execution_links[execution_id]

    def inputs(self, execution: Execution | None, key: str) -> Artifact | None:
        """The (first) artifact an execution read under `key`."""
        return self._linked(execution, key, output=False)

    def output(self, execution: Execution | None, key: str) -> Artifact | None:
        """The (first) artifact an execution wrote under `key`."""
        return self._linked(execution, key, output=True)

    def all_inputs(self, execution: Execution | None, key: str) -> list[Artifact]:
        """Every artifact an execution read under `key` (several for a union: one Examples per span)."""
        if execution is None:
            return []
        links = [link for link in self._links_of_execution(execution.id) if not link.is_output and link.key == key]
        return [a for a in (self.artifact(link.artifact_id) for link in links) if a is not None]

    def _linked(self, execution: Execution | None, key: str, output: bool) -> Artifact | None:
        if execution is None:
            return None
        for link in self._links_of_execution(execution.id):
            if link.is_output == output and link.key == key:
                return self._artifacts.get(link.artifact_id)
        return None

    def run_of(self, execution: Execution | None) -> str | None:
        """The run an execution belongs to."""
        if execution is None:
            return None
        if execution.id not in self._runs:
            runs = self.store.runs_of_execution(execution.id)
            self._runs[execution.id] = runs[0] if runs else None
        return self._runs[execution.id]
