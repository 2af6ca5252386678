"""The runs of a pipeline as an audit sees them: when, how long, what each node did, the outcome.

A run recorded by tfxkit's runner carries its summary (see `tfxkit.metadata.keys.RUN`),
so listing 50 runs reads one table. Runs TFX recorded without tfxkit's summary
(a run killed mid-way, another tool's run) are rebuilt from their executions.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from tfxkit.lineage.errors import LineageError, nearest
from tfxkit.metadata import keys
from tfxkit.metadata.runs import node_runs
from tfxkit.metadata.store import Run, Store

# A run left mid-way reads `abandoned` once a later run ended this many seconds after its last sign of life.
ABANDONED_AFTER_S = 60
STATES = {"COMPLETE": "complete", "CACHED": "cached", "FAILED": "failed", "RUNNING": "running",
          "NEW": "running", "CANCELED": "canceled"}


@dataclass
class RunRow:
    """One line of `tfxkit runs`; `asdict` of it is the documented JSON."""

    run_id: str
    started: str  # ISO 8601, UTC
    seconds: float | None
    status: str  # pushed | unchanged | not_blessed | gated | failed | interrupted | incomplete | abandoned | finished
    # | rolled_back (a run of `tfxkit rollback`)
    reason: str | None  # why nothing was pushed (the failing threshold, the anomalies, the failed node)
    failed_node: str | None
    nodes: dict[str, str] = field(default_factory=dict)  # node -> complete | cached | failed | skipped | running
    spec_hash: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    pushed_to: str | None = None
    runner: str | None = None
    error: str | None = None  # the failed component's error (the anomalies, for a gated run)
    spans: list[dict] = field(default_factory=list)  # data in spans: [{span, version, label}], oldest first

    def to_json(self) -> dict:
        return asdict(self)


def iso(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec="seconds")


def run_row(store: Store, pipeline: str, run: Run) -> RunRow:
    """The audit view of one run, from its recorded summary or, failing that, its executions."""
    summary = run.json_property(keys.RUN)
    spec_hash = run.properties.get(keys.SPEC_HASH)
    if isinstance(summary, dict):
        nodes = {n: STATES.get(s, s.lower()) for n, s in summary.get("nodes", {}).items()}
        for node in summary.get("planned", []):
            nodes.setdefault(node, "skipped")
        return RunRow(run.id, iso(summary.get("started", run.created)), summary.get("seconds"), summary["status"],
                      summary.get("reason"), summary.get("failed_node"), _ordered(nodes, summary.get("planned", [])),
                      spec_hash, summary.get("metrics") or {}, summary.get("pushed_to"), summary.get("runner"),
                      summary.get("error"), summary.get("spans") or _spans_of(nodes))
    # No summary: a run TFX recorded alone (another tool, an older tfxkit) or one killed before the end.
    executions = node_runs(store, pipeline, run.id)
    nodes = {n: STATES.get(e.state, e.state.lower()) for n, e in executions.items()}
    failed = next((n for n, s in nodes.items() if s == "failed"), None)
    pushed = executions["Pusher"].output("pushed_model") if "Pusher" in executions else None
    blessing = executions["Evaluator"].output("blessing") if "Evaluator" in executions else None
    pushed_to = None
    if failed:
        status, reason = "failed", f"{failed} failed"
    elif "running" in nodes.values() or "Pusher" not in nodes:  # every tfxkit pipeline ends with its Pusher
        status, reason = "incomplete", "the run stopped before it finished (killed?)"
    elif pushed is not None and pushed.properties.get("pushed") == 1:
        status, reason = "pushed", None
        pushed_to = str(pushed.properties.get("pushed_destination", pushed.uri))
    elif blessing is not None and blessing.properties.get("blessed") == 0:
        status, reason = "not_blessed", "model not blessed"
    else:
        status, reason = "finished", "no outcome recorded (run without tfxkit's record)"
    times = store.run_executions(pipeline, run.id)
    seconds = (max(e.updated for e in times) - min(e.started for e in times)) if times else None
    metrics = (run.json_property(keys.OUTCOME) or {}).get("metrics") or {}
    return RunRow(run.id, iso(run.created), seconds and round(seconds, 2), status, reason, failed, nodes, spec_hash,
                  metrics, pushed_to, spans=_spans_of(nodes))


def _spans_of(nodes: dict[str, str]) -> list[dict]:
    """The spans of a run recorded without them, from its span ExampleGens' ids (`CsvExampleGen-span-3`)."""
    found = sorted({int(n.rpartition("-span-")[2]) for n in nodes if n.rpartition("-span-")[2].isdigit()})
    return [{"span": span, "version": None, "label": str(span)} for span in found]


def spans_text(spans: list[dict]) -> str:
    """'2, 3' or '2 v1, 3 v2' (a span's version when the pattern has one); '' for a plain data path."""
    return ", ".join(str(s.get("label") or s["span"]) + (f" v{s['version']}" if s.get("version") is not None else "")
                     for s in spans)


def _ordered(nodes: dict[str, str], planned: list[str]) -> dict[str, str]:
    order = {n: i for i, n in enumerate(planned)}
    return dict(sorted(nodes.items(), key=lambda kv: order.get(kv[0], len(order))))


def list_runs(store: Store, pipeline: str, limit: int | None = None) -> list[RunRow]:
    """The pipeline's runs, newest first; a run left mid-way is `abandoned` once a later run has finished
    after its last sign of life (its executions stay RUNNING in MLMD forever: TFX never closes them)."""
    rows = [run_row(store, pipeline, run) for run in pipeline_runs(store, pipeline)]
    finished = [(r.run_id, datetime.datetime.fromisoformat(r.started).timestamp() + (r.seconds or 0)) for r in rows
                if r.status not in ("incomplete", "abandoned")]
    for row in rows:
        if row.status == "incomplete":
            last_seen = datetime.datetime.fromisoformat(row.started).timestamp() + (row.seconds or 0)
            later = [run_id for run_id, end in finished if end > last_seen + ABANDONED_AFTER_S]
            if later:
                row.status = "abandoned"
                row.reason = f"stopped mid-run (killed?) and never resumed; run {later[-1]} finished after it"
                row.nodes = {n: ("abandoned" if s == "running" else s) for n, s in row.nodes.items()}
    return rows[:limit]


def pipeline_runs(store: Store, pipeline: str) -> list[Run]:
    """The pipeline's runs, newest first; a clear error for an empty store or another pipeline's."""
    runs = store.runs(pipeline)
    if not runs:
        others = [p for p in store.pipelines() if p != pipeline]
        if others:
            raise LineageError(f"the store holds no runs of pipeline '{pipeline}' "
                               f"(it has: {', '.join(others)}){nearest(pipeline, others)}")
        raise LineageError(f"the store holds no runs of pipeline '{pipeline}' yet (run it with `tfxkit run`)")
    return runs


def find_run(store: Store, pipeline: str, ref: str) -> Run:
    """A run by id, by a unique prefix of its id, or `latest`; suggests the nearest id otherwise."""
    runs = pipeline_runs(store, pipeline)
    if ref == "latest":
        return runs[0]
    exact = [r for r in runs if r.id == ref]
    if exact:
        return exact[0]
    prefixed = [r for r in runs if r.id.startswith(ref)]
    if len(prefixed) == 1:
        return prefixed[0]
    ids = [r.id for r in runs]
    if len(prefixed) > 1:
        raise LineageError(f"run id '{ref}' is ambiguous: {', '.join(r.id for r in prefixed[:5])}")
    raise LineageError(f"no run '{ref}' in pipeline '{pipeline}'{nearest(ref, ids)}; "
                       f"newest: {', '.join(ids[:3])}")


def previous_run(store: Store, pipeline: str, run: Run) -> Run:
    """The run before `run` (for `diff` with one run named)."""
    runs = pipeline_runs(store, pipeline)
    index = next(i for i, r in enumerate(runs) if r.id == run.id)
    if index + 1 >= len(runs):
        raise LineageError(f"run {run.id} is the pipeline's first run: name a second run to compare with")
    return runs[index + 1]
