"""Everything the run report shows, gathered for one run through tfxkit's own audit interfaces.

The run's summary, node states and provenance come from tfxkit.lineage (the
same answers as `runs`, `lineage` and `diff`); the per-feature statistics, the
training curves and the tuner's trials from the files of the artifacts MLMD
names. A run stopped early (failed, gated) still gets a report: each section
says what is missing instead of failing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from tfxkit.lineage.diff import diff_runs
from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.provenance import provenance
from tfxkit.lineage.runs import find_run, run_row
from tfxkit.metadata import keys
from tfxkit.metadata.runs import NodeRun, node_runs, recorded_facts
from tfxkit.metadata.store import Store
from tfxkit.modules import TRIAL_LOGS
from tfxkit.report.curves import Curves, read_curves
from tfxkit.report.features import FeatureStats, read_statistics
from tfxkit.report.spans import SpanRow, drift_verdict, span_rows

EVAL_SPLIT = "eval"  # the split TFX's Evaluator reads by default, and tfxkit's Evaluator with it


@dataclass
class NodeState:
    """One planned node of the run: what it did and how long it took."""

    id: str
    state: str  # complete | cached | failed | skipped | running | abandoned
    seconds: float | None = None


@dataclass
class Trial:
    """One tuner trial: its values and score, and its TensorBoard folder when it logged one."""

    trial_id: str
    values: dict[str, Any]
    score: float | None
    best: bool = False
    log_dir: str | None = None


@dataclass
class ReportData:
    """The report of one run, ready for the template."""

    pipeline: str
    run: dict[str, Any]  # tfxkit.lineage.runs.RunRow as JSON
    nodes: list[NodeState]
    edges: list[tuple[str, str]]
    provenance: dict[str, Any]
    split_rows: dict[str, int] = field(default_factory=dict)
    spans: list[SpanRow] = field(default_factory=list)  # data in spans: the spans the run read
    drift: str | None = None  # the data gate's drift verdict; None: the run had no gate
    features: list[FeatureStats] = field(default_factory=list)
    statistics_note: str | None = None  # why no statistics are shown
    training: dict[str, Any] | None = None  # the Trainer's recorded facts; None: nothing was trained
    curves: Curves = field(default_factory=dict)
    trials: list[Trial] = field(default_factory=list)
    objective: str | None = None
    slices: list[dict[str, Any]] = field(default_factory=list)
    diff: dict[str, Any] | None = None
    diff_note: str | None = None

    @property
    def log_dirs(self) -> dict[str, str]:
        """TensorBoard folders of the run, labelled: the Trainer's, then each tuner trial's."""
        dirs = {}
        if self.training and self.training.get("tensorboard"):
            dirs[f"{self.run['run_id']}/trainer"] = self.training["tensorboard"]
        for trial in self.trials:
            if trial.log_dir:
                dirs[f"{self.run['run_id']}/trial-{trial.trial_id}"] = trial.log_dir
        return dirs


def collect(store: Store, pipeline: str, run_ref: str = "latest") -> ReportData:
    """The report data of a run (`latest`, an id or a unique prefix); LineageError for an unknown run."""
    run = find_run(store, pipeline, run_ref)
    row = run_row(store, pipeline, run).to_json()
    summary = run.json_property(keys.RUN) or {}
    executed = node_runs(store, pipeline, run.id)
    p = provenance(store, pipeline, run.id)
    data = ReportData(pipeline, row, _nodes(row, summary, store, pipeline, run.id), _edges(summary, executed, store), p)
    _statistics(data, p)
    data.spans = span_rows(executed, recorded_facts(store, pipeline), row.get("spans") or [])
    data.drift = drift_verdict(store.run_executions(pipeline, run.id), row.get("reason"))
    if p.get("model"):
        data.training = p["model"].get("training") or {}
        if data.training.get("tensorboard"):
            data.curves = read_curves(data.training["tensorboard"])
        data.trials = _trials(executed.get("Tuner"))
        tuning = ((p.get("spec") or {}).get("resolved") or {}).get("tuning") or {}
        data.objective = tuning.get("objective") if data.trials else None
    blessing = p.get("blessing") or {}
    data.slices = [_counted(row, data) for row in _slices(store, pipeline, blessing.get("artifact_id"))]
    try:
        data.diff = diff_runs(store, pipeline, run.id)
    except LineageError as exc:  # the pipeline's first run: nothing to compare with
        data.diff_note = str(exc)
    return data


def run_log_dirs(store: Store, pipeline: str, run_ref: str = "latest") -> tuple[str, dict[str, str]]:
    """(run id, {label: TensorBoard folder}) of a run: its Trainer's logs and each tuner trial's."""
    run = find_run(store, pipeline, run_ref)
    p = provenance(store, pipeline, run.id)
    training = (p.get("model") or {}).get("training") or {}
    data = ReportData(pipeline, {"run_id": run.id}, [], [], p, training=training or None,
                      trials=_trials(node_runs(store, pipeline, run.id).get("Tuner")) if p.get("model") else [])
    return run.id, {label: path for label, path in data.log_dirs.items() if os.path.isdir(path)}


def _nodes(row: dict, summary: dict, store: Store, pipeline: str, run_id: str) -> list[NodeState]:
    timings = summary.get("timings") or {}
    spans = {e.node_id: e.updated - e.started for e in store.run_executions(pipeline, run_id)}
    return [NodeState(node, state, timings.get(node, spans.get(node) if state != "skipped" else None))
            for node, state in row["nodes"].items()]


def _edges(summary: dict, executed: dict[str, NodeRun], store: Store) -> list[tuple[str, str]]:
    """The DAG's edges as planned (recorded with the run), else rebuilt from which node read whose output."""
    if summary.get("edges"):
        return [(str(a), str(b)) for a, b in summary["edges"]]
    producer = {a.id: node for node, run in executed.items() for a in run.outputs}
    node_of = {run.execution_id: node for node, run in executed.items()}
    edges = {(producer[link.artifact_id], node_of[link.execution_id])
             for link in store.links_of_executions(node_of) if not link.is_output and link.artifact_id in producer}
    return sorted(edges)


def _statistics(data: ReportData, p: dict) -> None:
    statistics = p.get("statistics")
    if statistics is None:
        data.statistics_note = "no statistics: the run stopped before StatisticsGen"
        data.split_rows = (p.get("examples") or {}).get("split_sizes") or {}
        return
    try:
        data.split_rows, data.features = read_statistics(statistics["uri"])
    except (OSError, ValueError) as exc:  # the artifact's folder was cleaned up since
        data.statistics_note = f"statistics {statistics['uri']} could not be read: {exc}"
        data.split_rows = (p.get("examples") or {}).get("split_sizes") or {}


def _trials(tuner: NodeRun | None) -> list[Trial]:
    """The Tuner's trials (TFX writes tuner_results.json best first), each with its TensorBoard folder."""
    results = tuner.output("tuner_results") if tuner is not None else None
    if results is None:
        return []
    try:
        with open(os.path.join(results.uri, "tuner_results.json"), encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, ValueError):
        return []
    trials = []
    for i, entry in enumerate(raw):
        trial_id = str(entry.get("trial_id", i))
        log_dir = os.path.join(results.uri, TRIAL_LOGS, trial_id)
        trials.append(Trial(trial_id, {k: v for k, v in entry.items() if k not in ("score", "trial_id")},
                            entry.get("score"), best=i == 0, log_dir=log_dir if os.path.isdir(log_dir) else None))
    return trials


def _counted(row: dict[str, Any], data: ReportData) -> dict[str, Any]:
    """A slice row with its example count: TFMA's (its ExampleCount metric), else the Evaluator's split
    (eval) counted by StatisticsGen: all of it, or a string feature's value (runs recorded before tfxkit asked
    TFMA for the count)."""
    if row.get("examples") is not None:
        return row
    label = row.get("slice", "")
    count: float | None = data.split_rows.get(EVAL_SPLIT) if label == "all data" else None
    name, sep, value = label.partition("=")
    if sep and ", " not in label:
        feature = next((f for f in data.features if f.name == name), None)
        split = feature.splits.get(EVAL_SPLIT) if feature is not None else None
        count = dict(split.top_values).get(value) if split is not None else None
    return {**row, "examples": int(count) if count is not None else None}


def _slices(store: Store, pipeline: str, blessing_id: int | None) -> list[dict[str, Any]]:
    """Each slice's metrics as recorded with the run (candidate and baseline values)."""
    if blessing_id is None:
        return []
    from tfxkit.metadata.runs import recorded_facts

    return recorded_facts(store, pipeline).get(str(blessing_id), {}).get(keys.SLICES) or []
