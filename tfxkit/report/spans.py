"""The run report's view of data that arrives in spans: which spans the run read, and the drift verdict.

One ExampleGen runs per span (`CsvExampleGen-span-3`), so the spans a run read
are its ExampleGens' Examples outputs, each with the span and version TFX
recorded and the files and row counts tfxkit recorded beside them; a span
served from the cache is shown as cached (it was not ingested again). The
drift verdict is read from the data gate's own `drift` parameter (the served
model's statistics it compared with, '' when it compared with nothing) and its
state, so the page says what the gate did, not what the spec asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from tfxkit.dag.nodes import GATE_ID
from tfxkit.metadata import keys
from tfxkit.metadata.runs import NodeRun
from tfxkit.metadata.store import Execution


@dataclass
class SpanRow:
    """One span a run read: what TFX recorded of it and what tfxkit recorded beside it."""

    span: int
    label: str  # the span number, or its date for a date pattern
    version: Optional[int]
    examples_id: int
    node: str
    state: str  # complete (ingested by this run) | cached
    rows: dict[str, int] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)


def span_rows(executed: dict[str, NodeRun], facts: dict[str, dict[str, Any]], run_spans: list[dict]) -> list[SpanRow]:
    """The spans of a run, oldest first; [] for a plain data path. `run_spans` is the run row's spans (labels)."""
    labels = {s["span"]: s.get("label") or str(s["span"]) for s in run_spans}
    rows = []
    for node in executed.values():
        examples = node.output("examples")
        if examples is None or "-span-" not in node.node_id or examples.properties.get("span") is None:
            continue
        span = int(examples.properties["span"])
        version = examples.properties.get("version")
        recorded = facts.get(str(examples.id), {})
        rows.append(SpanRow(span, labels.get(span, str(span)), int(version) if version is not None else None,
                            examples.id, node.node_id, node.state.lower(), recorded.get(keys.SPLIT_SIZES) or {},
                            recorded.get(keys.FILES) or []))
    return sorted(rows, key=lambda r: (r.span, r.version or 0))


def drift_verdict(executions: list[Execution], run_reason: Optional[str]) -> Optional[str]:
    """One sentence: what the data gate compared the run's data with and what it found; None without a gate."""
    gate = next((e for e in executions if e.node_id == GATE_ID), None)
    if gate is None:
        return None
    parameter = gate.properties.get("drift") or ""
    if not parameter:
        return ("Drift was not checked: no model was served before this run, or validation.drift is off "
                "(the data was checked against the schema only).")
    baseline = json.loads(parameter).get("baseline_run") or "?"
    against = f"the data of the served model (run {baseline})"
    if gate.state in ("COMPLETE", "CACHED"):
        return f"No drift: the data was compared with {against} and stayed within the thresholds."
    if gate.state == "FAILED":
        return f"The data gate stopped the run after comparing the data with {against}: {run_reason or '?'}"
    return f"The data gate did not finish ({gate.state.lower()}); it was comparing the data with {against}."
