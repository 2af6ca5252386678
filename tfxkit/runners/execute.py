"""Run a loaded spec with a TFX runner and report what happened, from MLMD.

The runner is TFX's own (LocalDagRunner, or BeamDagRunner for `--runner
beam`); this module only prepares the process (quiet logs, Keras choice),
prints progress, and afterwards reads MLMD to say which components ran, were
cached or failed, whether a model was pushed and, if not, why.
"""

from __future__ import annotations

import _thread
import contextlib
import functools
import io
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterator

from tfxkit.dag.plan import GATE_ID, DriftBaseline, plan_nodes
from tfxkit.lineage.provenance import served_statistics
from tfxkit.metadata.connection import spec_connection_config
from tfxkit.metadata.runs import NodeRun, node_runs
from tfxkit.metadata.store import Store
from tfxkit.runners.beam_options import run_beam_args
from tfxkit.runners.progress import ProgressHandler
from tfxkit.runners.record import record_run
from tfxkit.runners.up_to_date import (
    input_files, inputs_fingerprint, record_outcome, run_fingerprint, up_to_date_outcome,
)
from tfxkit.config.load import LoadedSpec
from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.config.spec import PipelineSpec


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
    report_file: str | None = None  # the run's HTML report (None: it could not be written)
    seconds: float = 0.0
    up_to_date_with: str | None = None  # set when TFX was not launched: nothing changed since that run
    interrupted: bool = False  # Ctrl-C: the run stopped where `failed_node` says

    def outcome(self) -> dict:
        """What a later up-to-date run reports again."""
        return {"pushed_to": self.pushed_to, "not_pushed_reason": self.not_pushed_reason, "metrics": self.metrics}


def prepare_process(verbose: bool = False) -> None:
    """Quiet TensorFlow's C++ logs and pin tf.keras to Keras 2 before TensorFlow loads.

    tensorflow_transform sets TF_USE_LEGACY_KERAS=1 when it is imported, so
    what tf.keras means would otherwise depend on import order. Nothing heavy
    is imported here: an up-to-date run never loads TensorFlow.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if verbose else "3")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    if not verbose:
        os.environ.setdefault("PYTHONWARNINGS", "ignore")  # Beam worker processes inherit it
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning)


class _PrintToLog(io.TextIOBase):
    """A stdout that sends printed lines to the log file."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                logging.getLogger("stdout").info(line)
        return len(text)


class _Redact(logging.Filter):
    """Replaces secrets in every log record (TFX logs the metadata connection config, password included)."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            try:
                message = record.getMessage()
            except Exception:  # a malformed foreign record: leave it to the handler
                return True
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


@contextlib.contextmanager
def _logging_to(path: str, progress: ProgressHandler, verbose: bool, secrets: list[str]) -> Iterator[None]:
    """Send every log record to `path` and component progress to the console.

    Unless verbose, console handlers that the TFX stack installed on import
    (Beam calls logging.basicConfig) are detached for the run and restored after.
    """
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.INFO)
    absl_logging.use_python_logging(quiet=True)
    root = logging.getLogger()
    old_level, detached = root.level, [] if verbose else list(root.handlers)
    tf_logger = logging.getLogger("tensorflow")
    tf_handlers = [] if verbose else list(tf_logger.handlers)
    for h in detached:
        root.removeHandler(h)
    for h in tf_handlers:
        tf_logger.removeHandler(h)
    root.setLevel(logging.INFO)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    file_handler = logging.FileHandler(path)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    ours = [file_handler, progress]
    for h in ours:
        root.addHandler(h)
    redact, filtered = _Redact(secrets), list(root.handlers)  # the console too, when verbose
    for h in filtered:
        h.addFilter(redact)
    # Libraries print too (KerasTuner's trial summaries): into the log, unless verbose.
    printed = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(_PrintToLog())
    try:
        with printed:
            yield
    finally:
        for h in filtered:
            h.removeFilter(redact)
        for h in ours:
            root.removeHandler(h)
        file_handler.close()
        for h in detached:
            root.addHandler(h)
        for h in tf_handlers:
            tf_logger.addHandler(h)
        root.setLevel(old_level)


def run_spec(
    loaded: LoadedSpec,
    runner: str = "local",
    beam_args: list[str] | None = None,
    write: Callable[[str], None] | None = None,
    verbose: bool = False,
    force: bool = False,
) -> RunReport:
    """Build the spec's pipeline, run it, and report the outcome from MLMD.

    Unless `force` is set or caching is off, a run whose inputs match the last
    successful run's fingerprint is reported from MLMD without launching TFX
    (see `up_to_date`).
    """
    prepare_process(verbose)
    started, started_at = time.monotonic(), time.time()
    spec = loaded.spec
    config = spec_connection_config(loaded)
    # Beam takes the last of a repeated option: the command line's --beam-arg wins over the spec's.
    all_beam_args = run_beam_args(runner, spec.pipeline.beam_args, beam_args or [])
    files = input_files(loaded)  # read once: for the up-to-date check and for the audit record
    inputs = inputs_fingerprint(loaded, runner, all_beam_args, files)
    store = Store(config)  # creates MLMD's tables once (retrying a race with runs started at once) before TFX
    if spec.pipeline.cache and not force:
        previous = up_to_date_outcome(store, spec.pipeline.name, run_fingerprint(inputs, store, spec.pipeline.name))
        if previous is not None:
            return RunReport(
                run_id=previous["run_id"], ok=True, pushed_to=previous["pushed_to"], pushed_earlier=True,
                not_pushed_reason=previous["not_pushed_reason"], metrics=previous["metrics"],
                up_to_date_with=previous["run_id"], seconds=time.monotonic() - started,
            )
    root = loaded.resolve(spec.pipeline.root)
    run_id = new_run_id()
    log_file = os.path.join(root, "logs", f"run-{run_id}.log")
    # Bound to the real stdout now: stdout is redirected to the log during the run.
    write = write or functools.partial(print, file=sys.stdout, flush=True)
    progress = ProgressHandler(write)
    write(f"tfxkit: building pipeline '{spec.pipeline.name}' ({runner} runner), run {run_id}")
    from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner

    use_tf_keras_in_keras_tuner()  # imports TensorFlow: only once TFX is going to run
    from tfxkit.dag.build import build_pipeline

    with _logging_to(log_file, progress, verbose, [_metadata_password(loaded)]):
        tfx_pipeline = build_pipeline(loaded, beam_args=all_beam_args, drift_baseline=drift_baseline(loaded, store))
        error, exc_type = None, None
        interrupted = False
        try:
            with _interruptible():
                _launch(tfx_pipeline, runner, run_id)
        except KeyboardInterrupt:  # Ctrl-C: record where the run stopped; re-running resumes from the cache
            interrupted, error, exc_type = True, "interrupted (Ctrl-C)", "KeyboardInterrupt"
        except Exception as exc:  # the report says which component failed and why
            error, exc_type = str(exc).strip() or type(exc).__name__, type(exc).__name__
            logging.getLogger("tfxkit").exception("run failed")
        store = Store(config)
        ran = store.run(run_id) is not None  # None: the run failed before TFX recorded anything
        report = RunReport(run_id=run_id if ran else None, ok=error is None, error=error, log_file=log_file,
                           interrupted=interrupted)
        if interrupted and ran:
            store.cancel_running(run_id)
        if ran:
            report.nodes = node_runs(store, spec.pipeline.name, run_id)
        if error:
            report.failed_node = progress.current or next(
                (n for n, r in report.nodes.items() if r.state == "FAILED"), None
            )
            if interrupted:
                report.not_pushed_reason = f"interrupted during {report.failed_node or 'the run'}"
            elif exc_type == "DataAnomaliesError" or report.failed_node == GATE_ID:
                report.not_pushed_reason = "data anomalies stopped the run before Transform"
                from tfxkit.runners.schema_update import accept_hint  # the gate knows no file or run id

                hint = accept_hint(loaded, run_id) if "against the schema" in error else None
                report.error = f"{error}\n{hint}" if hint else error
            else:
                report.not_pushed_reason = f"{report.failed_node or 'a component'} failed"
        _read_push_outcome(report, spec)
        _read_infra_gate(report, loaded)
        report.seconds = time.monotonic() - started
        if ran:
            summary = run_summary(report, runner, started_at, progress.timings, loaded)
            record_run(store, loaded, run_id, summary, files)
            report.report_file = _write_report(store, spec.pipeline.name, run_id, root)
            if report.ok:
                record_outcome(store, run_id, run_fingerprint(inputs, store, spec.pipeline.name), report.outcome())
    return report


def _write_report(store: Store, pipeline: str, run_id: str, root: str) -> str | None:
    """The run's HTML report under its root. A report that cannot be written is one warning line on
    stderr (the details in the log), never a failed run: the run itself is recorded by now."""
    try:
        from tfxkit.report.write import default_report_path, write_report

        return write_report(store, pipeline, run_id, default_report_path(root, run_id))
    except Exception as exc:
        logging.getLogger("tfxkit").exception("the run report could not be written")
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        print(f"tfxkit: warning: no run report ({type(exc).__name__}: {reason}); the run is unaffected",
              file=sys.stderr, flush=True)
        return None


def drift_baseline(loaded: LoadedSpec, store: Store) -> DriftBaseline | None:
    """The statistics of the served model's data, when the gate is to compare this run's data with them."""
    spec = loaded.spec
    if not spec.validation.gate or spec.validation.drift.enabled is False:
        return None
    found = served_statistics(store, spec.pipeline.name)
    if found is None:
        return None
    statistics, run_id = found
    return DriftBaseline(statistics.uri, json.loads(str(statistics.properties.get("split_names") or "[]")), run_id)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Make one Ctrl-C stop the run for sure.

    Python raises KeyboardInterrupt wherever the main thread is; when that is a
    finalizer or weakref callback (TFX and Beam make many), Python prints
    "Exception ignored" and the run goes on. So once Ctrl-C came, it is raised
    again every second until it has left the runner.
    """
    pending, done = threading.Event(), threading.Event()

    def on_sigint(signum, frame):
        pending.set()
        raise KeyboardInterrupt

    def repeat() -> None:
        while not done.wait(1.0):
            if pending.is_set():
                _thread.interrupt_main()

    previous = signal.signal(signal.SIGINT, on_sigint)
    watcher = threading.Thread(target=repeat, name="tfxkit-ctrl-c", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        # After a Ctrl-C, a repeat already on its way must not break the recording of where the run stopped.
        signal.signal(signal.SIGINT, (lambda *_: None) if pending.is_set() else previous)


def new_run_id() -> str:
    """A run id that is unique even when several runs start at once on one store: time + random suffix."""
    return time.strftime("%Y%m%d-%H%M%S-", time.localtime()) + secrets.token_hex(2)


def _launch(tfx_pipeline, runner: str, run_id: str) -> None:
    """Run the pipeline with TFX's runner under our own run id.

    TFX names a run by the time it started; two runs started in the same
    instant on one store would share a name, and the runner could not tell its
    run from another's afterwards. Compiling here and substituting the run id
    before TFX does makes the id ours: the report and the audit read this run.
    """
    from tfx.dsl.compiler import constants
    from tfx.orchestration.portable import runtime_parameter_utils, tfx_runner

    ir = tfx_runner._make_pipeline_proto(tfx_pipeline)  # what IrBasedRunner.run does: pip deps, then compile
    runtime_parameter_utils.substitute_runtime_parameter(ir, {constants.PIPELINE_RUN_ID_PARAMETER_NAME: run_id})
    if runner == "beam":
        from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

        BeamDagRunner().run_with_ir(ir)
    else:
        from tfx.orchestration.local.local_dag_runner import LocalDagRunner

        LocalDagRunner().run_with_ir(ir)


def run_summary(report: RunReport, runner: str, started_at: float, timings: dict[str, float],
                loaded: LoadedSpec) -> dict:
    """What `tfxkit runs` lists and `lineage` shows about a run, recorded on the run itself."""
    if report.interrupted:
        status = "interrupted"
    elif not report.ok:
        status = "gated" if report.not_pushed_reason and report.not_pushed_reason.startswith("data anomalies") \
            else "failed"
    elif report.pushed_to:
        status = "unchanged" if report.pushed_earlier else "pushed"
    else:
        status = "not_blessed"
    password = _metadata_password(loaded)
    nodes = plan_nodes(loaded)
    error = report.error.replace(password, "***") if report.error and password else report.error
    return {
        "runner": runner, "started": started_at, "seconds": round(report.seconds, 2), "status": status,
        "reason": report.not_pushed_reason, "failed_node": report.failed_node, "error": error,
        "pushed_to": report.pushed_to, "metrics": report.metrics,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "planned": [node.id for node in nodes],
        "edges": [[upstream, node.id] for node in nodes for upstream in dict.fromkeys(
            [source.split(".")[0] for source in node.inputs.values()] + list(node.after))],
    }


def _metadata_password(loaded: LoadedSpec) -> str:
    url = loaded.spec.pipeline.metadata
    return parse_metadata_url(url).password if url else ""


def _read_infra_gate(report: RunReport, loaded: LoadedSpec) -> None:
    """A custom before_push check that refused the model fails the run, naming itself and its reason."""
    if not report.ok:
        return
    from tfxkit.runners.gates import infra_gate_refusal

    refusal = infra_gate_refusal(report.nodes, loaded)
    if refusal is not None:
        node, reason = refusal
        report.ok, report.failed_node, report.error = False, node, f"the model did not pass {node}: {reason}"
        report.not_pushed_reason = f"{node} refused the model: {reason}"
        report.pushed_to = None


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
            if spec.evaluation.thresholds and blessing is not None and blessing.properties.get("blessed") != 1:
                failures = threshold_failures(evaluation.uri)
                report.not_pushed_reason = "model not blessed: " + ("; ".join(failures) or "see the evaluation")
    if report.pushed_to is None and report.not_pushed_reason is None and report.ok:
        report.not_pushed_reason = "the Pusher did not push (see the log)"
