"""A run's outcome, read from MLMD and from the error TFX's runner raised, with the kind callers branch on.

The kind is decided here, where the outcome is read, once: `tfxkit run` picks
its exit code from it, the run's record stores it as the status `tfxkit runs`
lists, and nothing downstream recognises an outcome by its message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from tfxkit.config.load import LoadedSpec
from tfxkit.config.spec import PipelineSpec
from tfxkit.dag.example_gens import selected_spans
from tfxkit.dag.nodes import GATE_ID, sources
from tfxkit.dag.plan import plan_nodes
from tfxkit.metadata.runs import NodeRun
from tfxkit.runners.interrupt import INTERRUPTED_ERROR
from tfxkit.runners.logs import metadata_password, redact

# The data gate's exception class (tfxkit.components.data_gate.executor), by name: importing it would load TFX.
DATA_GATE_ERROR = "DataAnomaliesError"
GATED_REASON = "the data gate stopped the run before Transform"  # until its finding is read (run.py)


class OutcomeKind(Enum):
    """How a run ended; the value is the status recorded on the run (`tfxkit runs`)."""

    PUSHED = "pushed"  # a new model was pushed
    UNCHANGED = "unchanged"  # the model pushed by an earlier run is still the one (cached Pusher, up to date)
    NOT_BLESSED = "not_blessed"  # the run finished and nothing was pushed (a threshold failed)
    GATED = "gated"  # the data gate stopped the run before Transform
    FAILED = "failed"  # a component failed, or a custom before_push check refused the model
    INTERRUPTED = "interrupted"  # Ctrl-C: finished components stay cached

    @property
    def ok(self) -> bool:
        """The run itself went through (whether or not it pushed)."""
        return self in (OutcomeKind.PUSHED, OutcomeKind.UNCHANGED, OutcomeKind.NOT_BLESSED)


@dataclass
class RunReport:
    """The outcome of one run, as recorded in MLMD."""

    run_id: str | None
    kind: OutcomeKind = OutcomeKind.NOT_BLESSED  # until the Pusher's output says otherwise
    nodes: dict[str, NodeRun] = field(default_factory=dict)
    error: str | None = None
    failed_node: str | None = None
    pushed_to: str | None = None
    not_pushed_reason: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    log_file: str = ""
    report_file: str | None = None  # the run's HTML report (None: it could not be written)
    seconds: float = 0.0
    up_to_date_with: str | None = None  # set when TFX was not launched: nothing changed since that run
    collected: str | None = None  # what pipeline.keep_runs removed after the run

    @property
    def ok(self) -> bool:
        return self.kind.ok

    def outcome(self) -> dict:
        """What a later up-to-date run reports again."""
        return {"pushed_to": self.pushed_to, "not_pushed_reason": self.not_pushed_reason, "metrics": self.metrics}


def up_to_date_report(previous: dict, seconds: float) -> RunReport:
    """The report of a run that did not launch TFX: the outcome recorded by the run it matches."""
    return RunReport(
        run_id=previous["run_id"], kind=OutcomeKind.UNCHANGED if previous["pushed_to"] else OutcomeKind.NOT_BLESSED,
        pushed_to=previous["pushed_to"], not_pushed_reason=previous["not_pushed_reason"],
        metrics=previous["metrics"], up_to_date_with=previous["run_id"], seconds=seconds,
    )


def failure_kind(failure: BaseException, failed_node: str | None) -> OutcomeKind:
    """INTERRUPTED for Ctrl-C, GATED when the data gate stopped the run, else FAILED.

    The gate's own exception class survives TFX's in-process runners; on Beam's
    multi-process runner it arrives re-raised as another type, so the node that
    failed decides as well.
    """
    if isinstance(failure, KeyboardInterrupt):
        return OutcomeKind.INTERRUPTED
    if type(failure).__name__ == DATA_GATE_ERROR or failed_node == GATE_ID:
        return OutcomeKind.GATED
    return OutcomeKind.FAILED


def read_outcome(report: RunReport, loaded: LoadedSpec, failure: BaseException | None,
                 current_node: str | None) -> None:
    """Fill in the report from the run's executions (`report.nodes`, read already) and the runner's error.

    `current_node` is the component that was running when the runner raised (from the progress log).
    """
    if failure is not None:
        _read_failure(report, failure, current_node)
        if report.kind is OutcomeKind.GATED:
            report.error += gated_span_advice(loaded)
    _read_push_outcome(report, loaded.spec)
    _read_infra_gate(report, loaded)


def gated_span_advice(loaded: LoadedSpec) -> str:
    """For data in spans: the gated span (the newest, whose statistics the gate read) and the two ways forward."""
    selection = selected_spans(loaded)
    if not selection or not selection.spans:
        return ""
    newest = selection.spans[-1]
    label = selection.label(newest)
    return (f"\nspan {label} ({len(newest.files)} file(s), first {newest.files[0]}) was stopped: reject it with "
            f"data.exclude_spans: [{newest.span if not selection.dated else label}], or accept it with "
            "`tfxkit schema update` (anomalies) or validation.drift settings (drift)")


def _read_failure(report: RunReport, failure: BaseException, current_node: str | None) -> None:
    report.failed_node = current_node or next((n for n, r in report.nodes.items() if r.state == "FAILED"), None)
    report.kind = failure_kind(failure, report.failed_node)
    if report.kind is OutcomeKind.INTERRUPTED:
        report.error = INTERRUPTED_ERROR
        report.not_pushed_reason = f"interrupted during {report.failed_node or 'the run'}"
        return
    report.error = str(failure).strip() or type(failure).__name__
    if report.kind is OutcomeKind.GATED:  # the error ends with how to accept the data: `schema_update`
        report.not_pushed_reason = GATED_REASON
    else:
        report.not_pushed_reason = f"{report.failed_node or 'a component'} failed"


def _read_push_outcome(report: RunReport, spec: PipelineSpec) -> None:
    pusher = report.nodes.get("Pusher")
    if pusher is not None:
        pushed = pusher.output("pushed_model")
        if pushed and pushed.properties.get("pushed") == 1:
            report.pushed_to = str(pushed.properties.get("pushed_destination", pushed.uri))
            if report.ok:
                report.kind = OutcomeKind.UNCHANGED if pusher.state == "CACHED" else OutcomeKind.PUSHED
    evaluator = report.nodes.get("Evaluator")
    if evaluator is not None:
        evaluation = evaluator.output("evaluation")
        blessing = evaluator.output("blessing")
        if evaluation is not None:
            from tfxkit.runners.evaluation import metric_keys, spec_metrics, threshold_failures

            report.metrics = spec_metrics(evaluation.uri, spec.model.task, spec.metric_names())
            if spec.evaluation.thresholds and blessing is not None and blessing.properties.get("blessed") != 1:
                failures = threshold_failures(evaluation.uri, metric_keys(spec))
                report.not_pushed_reason = "model not blessed: " + ("; ".join(failures) or "see the evaluation")
    if report.pushed_to is None and report.not_pushed_reason is None and report.ok:
        report.not_pushed_reason = "the Pusher did not push (see the log)"


def _read_infra_gate(report: RunReport, loaded: LoadedSpec) -> None:
    """A custom before_push check that refused the model fails the run, naming itself and its reason."""
    if not report.ok:
        return
    from tfxkit.runners.gates import infra_gate_refusal

    refusal = infra_gate_refusal(report.nodes, loaded)
    if refusal is not None:
        node, reason = refusal
        report.kind, report.failed_node = OutcomeKind.FAILED, node
        report.error = f"the model did not pass {node}: {reason}"
        report.not_pushed_reason = f"{node} refused the model: {reason}"
        report.pushed_to = None


def run_summary(report: RunReport, runner: str, started_at: float, timings: dict[str, float],
                loaded: LoadedSpec) -> dict[str, Any]:
    """What `tfxkit runs` lists and `lineage` shows about a run, recorded on the run itself."""
    nodes = plan_nodes(loaded)
    return {
        "runner": runner, "started": started_at, "seconds": round(report.seconds, 2), "status": report.kind.value,
        "reason": report.not_pushed_reason, "failed_node": report.failed_node,
        "error": redact(report.error, metadata_password(loaded)),
        "pushed_to": report.pushed_to, "metrics": report.metrics,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "planned": [node.id for node in nodes],
        "edges": [[upstream, node.id] for node in nodes for upstream in dict.fromkeys(
            [one.split(".")[0] for source in node.inputs.values() for one in sources(source)] + list(node.after))],
        "spans": run_spans(loaded),
    }


def run_spans(loaded: LoadedSpec) -> list[dict[str, Any]]:
    """The spans a run read, oldest first: [{span, version, label}] (empty for a plain data path)."""
    selection = selected_spans(loaded)
    return [{"span": sv.span, "version": sv.version, "label": selection.label(sv)}
            for sv in (selection.spans if selection else [])]
