"""`tfxkit gc FILE [--keep N] [--dry-run]`: remove old runs' outputs that nothing kept traces back to."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, answer
from tfxkit.commands.common import CommandError, counted


def run(args: argparse.Namespace) -> int:
    from tfxkit.registry.gc import collect, describe, plan_gc

    if args.metadata:  # before the store is opened: nothing to look up for a refusal
        raise CommandError("--metadata: gc removes files under the pipeline root, which only the spec file names "
                           "(name the spec file instead)")

    def compute(audit):
        keep = args.keep if args.keep is not None else audit.location.keep_runs
        if keep is None:
            raise CommandError(f"--keep: say how many of the newest runs to keep (or set pipeline.keep_runs in "
                               f"{args.args[0]})")
        plan = plan_gc(audit.store, audit.pipeline, audit.location.root, keep)
        if not args.dry_run:
            collect(audit.store, plan)
        return {"dry_run": args.dry_run, **plan.to_json()}

    return answer(args, compute, describe, max_positionals=0, writable=not args.dry_run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gc", help="remove the outputs of old runs that neither the last N runs nor a served model "
                                  "trace back to (marked deleted in MLMD)")
    add_audit_args(p, "FILE")
    p.add_argument("--keep", type=counted(1), metavar="N",
                   help="keep the last N runs (default: the spec's pipeline.keep_runs)")
    p.add_argument("--dry-run", action="store_true", help="say what would be removed and the space freed, "
                                                          "change nothing")
    p.set_defaults(func=run)
