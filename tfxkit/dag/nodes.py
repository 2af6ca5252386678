"""A planned pipeline node, as plain data: what `plan_nodes` decides and `build` turns into a TFX component."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from tfxkit.config.node_ids import RESOLVER_ID

GATE_ID = "AnomaliesGate"
SERVED_MODEL_RESOLVER_ID = "served_model_resolver"
INFRA_BLESSING = "InfraBlessing"
__all__ = ["RESOLVER_ID", "GATE_ID", "SERVED_MODEL_RESOLVER_ID", "INFRA_BLESSING", "Kind", "Node", "Source", "sources", "dependencies",
           "execution_order"]
# An input's source: "NodeId.output_key", or several (a union: every span's Examples) as a tuple of them.
Source = Union[str, tuple[str, ...]]

# The artifact type of each standard output key (custom components' outputs come from their ComponentSpec).
OUTPUT_TYPES = {
    "examples": "Examples", "statistics": "ExampleStatistics", "schema": "Schema", "anomalies": "ExampleAnomalies",
    "transform_graph": "TransformGraph", "transformed_examples": "Examples", "best_hyperparameters": "HyperParameters",
    "tuner_results": "TunerResults", "model": "Model", "model_run": "ModelRun", "model_blessing": "ModelBlessing",
    "evaluation": "ModelEvaluation", "blessing": "ModelBlessing", "pushed_model": "PushedModel",
}


class Kind(str, Enum):
    """Which component a node is: `build` has one builder per kind."""

    CSV_EXAMPLE_GEN = "csv_example_gen"
    IMPORT_EXAMPLE_GEN = "import_example_gen"
    FILE_EXAMPLE_GEN = "file_example_gen"  # Parquet or Avro: TFX's FileBasedExampleGen with its custom executor
    STATISTICS_GEN = "statistics_gen"
    SCHEMA_GEN = "schema_gen"
    IMPORT_SCHEMA_GEN = "import_schema_gen"
    EXAMPLE_VALIDATOR = "example_validator"
    DATA_GATE = "data_gate"
    TRANSFORM = "transform"
    TUNER = "tuner"
    TRAINER = "trainer"
    RESOLVER = "resolver"
    EVALUATOR = "evaluator"
    PUSHER = "pusher"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Node:
    """One pipeline node: its TFX id and kind, wiring, and parameters.

    `params` are the real values the builder passes to the component; `shown` is
    what `tfxkit plan` prints for people (decided beside `params`, in the plan).
    """

    id: str
    kind: Kind
    component: str  # the component as people read it
    inputs: dict[str, Source] = field(default_factory=dict)  # input key -> "NodeId.output_key" (or a union)
    outputs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()  # extra ordering edges with no artifact passed
    params: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, Any] = field(default_factory=dict)
    cached: bool = True
    output_types: dict[str, str] = field(default_factory=dict)  # custom components only; else OUTPUT_TYPES

    def output_type(self, key: str) -> str:
        return self.output_types.get(key) or OUTPUT_TYPES.get(key, "Artifact")


def sources(source: Source) -> tuple[str, ...]:
    """The "NodeId.output_key" strings an input reads: one, or each member of a union."""
    return (source,) if isinstance(source, str) else tuple(source)


def dependencies(node: Node) -> set[str]:
    """The ids of the nodes this one reads from or waits for."""
    return {one.split(".", 1)[0] for source in node.inputs.values() for one in sources(source)} | set(node.after)


def execution_order(nodes: list[Node]) -> list[Node]:
    """Stable topological order: each node as early as its dependencies allow, ties in the given order."""
    done: set[str] = set()
    ordered: list[Node] = []
    pending = list(nodes)
    while pending:
        ready = next(n for n in pending if dependencies(n) <= done)  # acyclic: component_problems checked it
        ordered.append(ready)
        done.add(ready.id)
        pending.remove(ready)
    return ordered
