"""Run a loaded spec with a TFX runner and report what happened, from MLMD.

The runner is TFX's own (LocalDagRunner, or BeamDagRunner for `--runner
beam`); this module only prepares the process (quiet logs, Keras choice),
prints progress, and afterwards reads MLMD to say which components ran, were
cached or failed, whether a model was pushed and, if not, why.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

from tfxkit.dag.plan import GATE_ID
from tfxkit.metadata.connection import open_store, spec_connection_config
from tfxkit.metadata.runs import NodeRun, latest_run_id, node_runs, record_spec, run_context_ids
from tfxkit.runners.progress import ProgressHandler
from tfxkit.spec.load import LoadedSpec
from tfxkit.spec.models import PipelineSpec

RUNNERS = ("local", "beam")


@dataclass
class RunReport:
    """The outcome of one run, as recorded in MLMD."""

    run_id: str | None
    ok: bool
    nodes: dict[str, NodeRun] = field(default_factory=dict)
    error: str | None = None
    failed_node: str | None = None
    pushed_to: str | None = None
    pushed_earlier: bool = False  # the Pusher was served from the cache: nothing new pushed
    not_pushed_reason: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    log_file: str = ""
    seconds: float = 0.0


def prepare_process(verbose: bool = False) -> None:
    """Quiet TensorFlow's C++ logs and pin tf.keras to Keras 2 before TensorFlow loads.

    tensorflow_transform sets TF_USE_LEGACY_KERAS=1 when it is imported, so
    what tf.keras means would otherwise depend on import order.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if verbose else "3")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    if not verbose:
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning)


def _log_to_file(path: str, handler: ProgressHandler, verbose: bool) -> list[tuple[logging.Logger, logging.Handler]]:
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.INFO)
    absl_logging.use_python_logging(quiet=True)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    file_handler = logging.FileHandler(path)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    added = [(root, file_handler), (root, handler)]
    absl_handler = absl_logging.get_absl_handler()
    if not verbose and absl_handler in root.handlers:
        root.removeHandler(absl_handler)
    for logger, h in added:
        logger.addHandler(h)
    return added


def run_spec(
    loaded: LoadedSpec,
    runner: str = "local",
    beam_args: list[str] | None = None,
    write: Callable[[str], None] = print,
    verbose: bool = False,
) -> RunReport:
    """Build the spec's pipeline, run it, and report the outcome from MLMD."""
    prepare_process(verbose)
    started = time.monotonic()
    spec = loaded.spec
    root = loaded.resolve(spec.pipeline.root)
    log_file = os.path.join(root, "logs", time.strftime("run-%Y%m%d-%H%M%S.log"))
    progress = ProgressHandler(write)
    handlers = _log_to_file(log_file, progress, verbose)

    from tfxkit.dag.build import build_pipeline

    write(f"tfxkit: building pipeline '{spec.pipeline.name}' ({runner} runner)")
    tfx_pipeline = build_pipeline(loaded, beam_args=_default_beam_args(runner) + list(beam_args or []))
    config = spec_connection_config(loaded)
    before = run_context_ids(open_store(config))
    error, exc_type = None, None
    try:
        if runner == "beam":
            from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

            BeamDagRunner().run(tfx_pipeline)
        else:
            from tfx.orchestration.local.local_dag_runner import LocalDagRunner

            LocalDagRunner().run(tfx_pipeline)
    except Exception as exc:  # the report says which component failed and why
        error, exc_type = str(exc).strip() or type(exc).__name__, type(exc).__name__
        logging.getLogger("tfxkit").exception("run failed")
    try:
        store = open_store(config)
        run_id = latest_run_id(store, spec.pipeline.name, exclude=before)
        report = RunReport(run_id=run_id, ok=error is None, error=error, log_file=log_file)
        if run_id:
            record_spec(store, run_id, loaded.resolved_json(), loaded.spec_hash())
            report.nodes = node_runs(store, spec.pipeline.name, run_id)
    finally:
        for logger, h in handlers:
            logger.removeHandler(h)
    if error:
        report.failed_node = progress.current or next(
            (n for n, r in report.nodes.items() if r.state == "FAILED"), None
        )
        if exc_type == "DataAnomaliesError" or report.failed_node == GATE_ID:
            report.not_pushed_reason = "data anomalies stopped the run before Transform"
        else:
            report.not_pushed_reason = f"{report.failed_node or 'a component'} failed"
    if not verbose:
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    _read_push_outcome(report, spec)
    report.seconds = time.monotonic() - started
    return report


def _default_beam_args(runner: str) -> list[str]:
    # Local: no Beam args at all. Beam's default is the in-process DirectRunner,
    # and with empty args TFX also skips building an sdist of itself for remote
    # workers before every Beam component (~1.5 s each). The beam runner uses
    # every core in worker processes.
    if runner == "beam":
        return ["--direct_running_mode=multi_processing", "--direct_num_workers=0"]
    return []


def _read_push_outcome(report: RunReport, spec: PipelineSpec) -> None:
    pusher = report.nodes.get("Pusher")
    if pusher is not None:
        pushed = pusher.output("pushed_model")
        if pushed and pushed.properties.get("pushed") == 1:
            report.pushed_to = str(pushed.properties.get("pushed_destination", pushed.uri))
            report.pushed_earlier = pusher.state == "CACHED"
    evaluator = report.nodes.get("Evaluator")
    if evaluator is not None:
        evaluation = evaluator.output("evaluation")
        blessing = evaluator.output("blessing")
        if evaluation is not None:
            from tfxkit.runners.evaluation import spec_metrics, threshold_failures

            report.metrics = spec_metrics(evaluation.uri, spec.model.task, spec.metric_names())
            if blessing is not None and blessing.properties.get("blessed") != 1:
                failures = threshold_failures(evaluation.uri)
                report.not_pushed_reason = "model not blessed: " + ("; ".join(failures) or "see the evaluation")
    if report.pushed_to is None and report.not_pushed_reason is None and report.ok:
        report.not_pushed_reason = "the Pusher did not push (see the log)"
