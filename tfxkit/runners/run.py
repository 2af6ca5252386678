"""Run a loaded spec: skip it when nothing changed, else launch TFX, read the outcome and record it.

The runner is TFX's own (`launch`); around it this module decides whether to
launch at all (`up_to_date`), sends the logs to the run's file (`logs`), lets
Ctrl-C stop the run cleanly (`interrupt`), and afterwards reads MLMD to say
what happened (`outcome`) and records it for audits (`record`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from typing import Callable

from tfxkit.config.load import LoadedSpec
from tfxkit.dag.plan import DriftBaseline
from tfxkit.lineage.provenance import served_statistics
from tfxkit.metadata import keys
from tfxkit.metadata.connection import spec_connection_config
from tfxkit.metadata.runs import node_runs
from tfxkit.metadata.store import Store
from tfxkit.runners.beam_options import run_beam_args
from tfxkit.runners.interrupt import Interrupted, interruptible, mark_canceled
from tfxkit.runners.launch import launch, new_run_id, prepare_process
from tfxkit.runners.logs import logging_to, metadata_password
from tfxkit.runners.notification import notify_run
from tfxkit.runners.outcome import OutcomeKind, RunReport, read_outcome, run_summary, up_to_date_report
from tfxkit.runners.progress import ProgressHandler
from tfxkit.runners.record import record_run
from tfxkit.runners.retention import collect_old_runs
from tfxkit.runners.up_to_date import (
    input_files,
    inputs_fingerprint,
    record_outcome,
    run_fingerprint,
    up_to_date_outcome,
)


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
    # Beam takes the last of a repeated option: the command line's --beam-arg wins over the spec's.
    all_beam_args = run_beam_args(runner, spec.pipeline.beam_args, beam_args or [])
    files = input_files(loaded)  # read once: for the up-to-date check and for the audit record
    inputs = inputs_fingerprint(loaded, runner, all_beam_args, files)
    config = spec_connection_config(loaded)
    store = Store(config)  # creates MLMD's tables once (retrying a race with runs started at once) before TFX
    if spec.pipeline.cache and not force:
        previous = up_to_date_outcome(store, spec.pipeline.name, run_fingerprint(inputs, store, spec.pipeline.name))
        if previous is not None:
            return up_to_date_report(previous, time.monotonic() - started)
    run_id = new_run_id()
    store.start_run(run_id, {keys.PIPELINE: spec.pipeline.name, keys.SPEC: loaded.resolved_json(),
                             keys.SPEC_HASH: loaded.spec_hash()})
    # Bound to the real stdout now: stdout is redirected to the log during the run.
    write = write or functools.partial(print, file=sys.stdout, flush=True)
    write(f"tfxkit: building pipeline '{spec.pipeline.name}' ({runner} runner), run {run_id}")
    from tfxkit.modules.process_setup import prepare_tfx_process

    prepare_tfx_process()
    if spec.trainer.cpu_replicas:  # before any component initialises TensorFlow's devices in this process
        from tfxkit.modules.devices import split_cpu

        split_cpu(spec.trainer.cpu_replicas)
    progress = ProgressHandler(write)
    log_file = os.path.join(loaded.resolve(spec.pipeline.root), "logs", f"run-{run_id}.log")
    with logging_to(log_file, progress, verbose, [metadata_password(loaded)]):
        failure = _build_and_launch(loaded, run_id, runner, all_beam_args, store)
        store = Store(config)
        report = _read_run(store, loaded, run_id, failure, progress.current)
        report.log_file = log_file
        report.seconds = time.monotonic() - started
        if report.run_id is not None:
            _record(store, report, loaded, runner, started_at, progress.timings, files, inputs)
    notify_run(loaded, report)
    if report.run_id is not None:
        report.collected = collect_old_runs(store, loaded)
    return report


def _build_and_launch(loaded: LoadedSpec, run_id: str, runner: str, beam_args: list[str],
                      store: Store) -> BaseException | None:
    """Build the TFX pipeline and run it; what stopped it, if anything (Ctrl-C or a component's error)."""
    from tfxkit.dag.build import build_pipeline

    tfx_pipeline = build_pipeline(loaded, beam_args=beam_args, drift_baseline=drift_baseline(loaded, store))
    try:
        with interruptible():
            launch(tfx_pipeline, runner, run_id)
    except KeyboardInterrupt as exc:  # Ctrl-C: record where the run stopped; re-running resumes from the cache
        return exc
    except Exception as exc:  # the report says which component failed and why
        logging.getLogger("tfxkit").exception("run failed")
        return exc
    return None


def _read_run(store: Store, loaded: LoadedSpec, run_id: str, failure: BaseException | None,
              current_node: str | None) -> RunReport:
    """The run's outcome from MLMD (run_id None: the run failed before TFX recorded anything)."""
    ran = store.run(run_id) is not None
    report = RunReport(run_id=run_id if ran else None)
    if ran:
        if isinstance(failure, Interrupted):
            mark_canceled(store, run_id, failure)
        report.nodes = node_runs(store, loaded.spec.pipeline.name, run_id)
    read_outcome(report, loaded, failure, current_node)
    if ran and report.kind is OutcomeKind.GATED:
        from tfxkit.runners.gate_finding import gate_finding
        from tfxkit.runners.schema_update import with_accept_hint  # the gate knows no file or run id

        report.not_pushed_reason = gate_finding(report.nodes, loaded).reason
        report.error = with_accept_hint(report.error, report.nodes, loaded, run_id)
    return report


def _record(store: Store, report: RunReport, loaded: LoadedSpec, runner: str, started_at: float,
            timings: dict[str, float], files: dict[str, list[dict]], inputs: str) -> None:
    """Record the run for audits, write its HTML report, and remember a good outcome for up-to-date runs."""
    pipeline, run_id = loaded.spec.pipeline.name, report.run_id
    record_run(store, loaded, run_id, run_summary(report, runner, started_at, timings, loaded), files)
    report.report_file = write_run_report(store, pipeline, run_id, loaded.resolve(loaded.spec.pipeline.root))
    if report.kind.ok:
        record_outcome(store, run_id, run_fingerprint(inputs, store, pipeline), report.outcome())


def write_run_report(store: Store, pipeline: str, run_id: str, root: str) -> str | None:
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
