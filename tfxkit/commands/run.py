"""`tfxkit run FILE`: run the pipeline and print what happened (from MLMD)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from tfxkit.commands.common import (
    EXIT_INTERRUPTED,
    EXIT_NOT_BLESSED,
    EXIT_OK,
    EXIT_RUN_FAILED,
    CommandError,
    add_overrides,
    load,
)
from tfxkit.config.beam_args import beam_arg_problem
from tfxkit.config.metadata_url import parse_metadata_url

if TYPE_CHECKING:
    from tfxkit.config.load import LoadedSpec


def run(args: argparse.Namespace) -> int:
    for arg in args.beam_arg:  # checked before the spec, TensorFlow or Beam load: a typo costs nothing
        if problem := beam_arg_problem(arg):
            raise CommandError(f"--beam-arg: {problem}")
    loaded = load(args.file, args, data_exit=EXIT_RUN_FAILED)  # bad data: the run failed, the spec is fine
    return run_and_report(loaded, runner=args.runner, beam_args=args.beam_arg, verbose=args.verbose,
                          force=args.force)


def run_and_report(loaded: "LoadedSpec", runner: str = "local", beam_args: list[str] | None = None,
                   verbose: bool = False, force: bool = False) -> int:
    """Run a loaded spec and print its outcome (also `tfxkit watch`'s run); the exit status."""
    from tfxkit.runners.outcome import OutcomeKind
    from tfxkit.runners.run import run_spec

    try:
        report = run_spec(loaded, runner=runner, beam_args=beam_args or [], verbose=verbose, force=force)
    except ConnectionError as exc:  # the metadata store cannot be reached: nothing ran
        print(f"tfxkit: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    if report.up_to_date_with:
        print(f"up to date: data, spec and code unchanged since run {report.up_to_date_with}; "
              "TFX not launched (--force runs it, its cache still applies)")
    else:
        print(f"run {report.run_id or '?'} finished in {report.seconds:.0f} s")
    for key, value in sorted(report.metrics.items()):
        print(f"  metric {key} = {value:.4f}")
    url = loaded.spec.pipeline.metadata
    where = parse_metadata_url(url).redacted() if url else os.path.join(loaded.resolve(loaded.spec.pipeline.root),
                                                                         "metadata.sqlite")
    print(f"  metadata {where}")
    if report.log_file:
        print(f"  log      {report.log_file}")
    if report.report_file:
        print(f"  report   {report.report_file}")
    if report.collected:
        print(f"  gc       {report.collected}")
    if report.kind is OutcomeKind.INTERRUPTED:
        where = f"during {report.failed_node}" if report.failed_node else "before any component ran"
        print(f"tfxkit: interrupted {where}; finished components are kept in the cache, run the same "
              "command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    if report.kind in (OutcomeKind.GATED, OutcomeKind.FAILED):
        print(f"tfxkit: run failed in {report.failed_node or 'the pipeline'}: {report.error}", file=sys.stderr)
        print("tfxkit: nothing was pushed", file=sys.stderr)
        return EXIT_RUN_FAILED
    if report.kind in (OutcomeKind.PUSHED, OutcomeKind.UNCHANGED):
        note = "  (unchanged: pushed by an earlier run)" if report.kind is OutcomeKind.UNCHANGED else ""
        if not loaded.spec.evaluation.thresholds:
            note += "  (no evaluation.thresholds: pushed without a quality gate)"
        print(f"  pushed   {report.pushed_to}{note}")
        return EXIT_OK
    print(f"tfxkit: not pushed: {report.not_pushed_reason}", file=sys.stderr)
    return EXIT_NOT_BLESSED

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the pipeline")
    p.add_argument("file")
    p.add_argument("--runner", choices=("local", "beam"), default="local")
    p.add_argument("--beam-arg", action="append", default=[], metavar="ARG",
                   help="a Beam pipeline option, --name=value (repeatable); added after pipeline.beam_args, so it "
                   "wins where both set one, e.g. --beam-arg=--runner=FlinkRunner")
    p.add_argument("--verbose", "-v", action="store_true", help="show TFX's own log on the console")
    p.add_argument("--force", action="store_true",
                   help="launch TFX even when nothing changed since the last successful run")
    add_overrides(p)
    p.set_defaults(func=run)
