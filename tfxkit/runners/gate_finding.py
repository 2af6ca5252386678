"""What stopped a run at the data gate, read again from what the gate read.

The gate fails with one error listing everything it found, and on Beam's
multi-process runner that error reaches the runner as text only. What the run
then says (how to accept the changes, or not) must not hang on that text, so
the finding is read from the gate's recorded inputs, in the gate's own order:
a split with no examples first (its anomalies are noise beside it), then
ExampleValidator's anomalies against the schema, else the drift check.
Only tensorflow_metadata's protos are imported: no TensorFlow or TFX.
"""

from __future__ import annotations

import json
import os
from enum import Enum
from typing import Mapping

from tfxkit.components.data_gate.empty_splits import read_split_counts
from tfxkit.config.load import LoadedSpec
from tfxkit.dag.nodes import GATE_ID
from tfxkit.dag.plan import plan_nodes
from tfxkit.metadata.runs import ArtifactInfo, NodeRun
from tfxkit.runners.record import read_anomalies


class GateFinding(Enum):
    """Why the data gate stopped a run."""

    EMPTY_SPLIT = "empty_split"  # a split with no examples
    SCHEMA_ANOMALIES = "schema_anomalies"  # the data breaks the schema: a curated schema may accept it
    DRIFT = "drift"  # neither recorded: the data drifted from the served model's data

    @property
    def reason(self) -> str:
        """Why nothing was pushed, in `tfxkit run`'s and `runs`' words."""
        return {GateFinding.EMPTY_SPLIT: "a data split with no examples stopped the run before Transform",
                GateFinding.SCHEMA_ANOMALIES: "data anomalies against the schema stopped the run before Transform",
                GateFinding.DRIFT: "data drift from the served model's data stopped the run before Transform"}[self]


def gate_finding(nodes: Mapping[str, NodeRun], loaded: LoadedSpec) -> GateFinding:
    """The gate's finding, from the statistics and anomalies it was given in this run."""
    gate = next((n for n in plan_nodes(loaded) if n.id == GATE_ID), None)
    inputs = gate.inputs if gate else {}
    statistics = _input_artifact(nodes, inputs.get("statistics"))
    if statistics is not None and 0 in read_split_counts(_split_uris(statistics)).values():
        return GateFinding.EMPTY_SPLIT
    anomalies = _input_artifact(nodes, inputs.get("anomalies"))
    if anomalies is not None and read_anomalies(anomalies.uri):
        return GateFinding.SCHEMA_ANOMALIES
    return GateFinding.DRIFT


def _input_artifact(nodes: Mapping[str, NodeRun], source: str | None) -> ArtifactInfo | None:
    """The artifact a planned input ('Node.key') names, as this run recorded it."""
    if not source:
        return None
    node_id, _, key = source.partition(".")
    run = nodes.get(node_id)
    return run.output(key) if run is not None else None


def _split_uris(artifact: ArtifactInfo) -> dict[str, str]:
    names = json.loads(str(artifact.properties.get("split_names") or "[]"))
    return {name: os.path.join(artifact.uri, f"Split-{name}") for name in names}

