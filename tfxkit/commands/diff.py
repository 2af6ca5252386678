"""`tfxkit diff FILE RUN_A [RUN_B]`: what changed between two runs (RUN_B: the run before RUN_A)."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, answer
from tfxkit.commands.common import CommandError


def run(args: argparse.Namespace) -> int:
    from tfxkit.lineage.diff import diff_runs
    from tfxkit.lineage.text import format_diff

    def compute(audit):
        if not audit.positionals:
            raise CommandError("name the run to compare (see `tfxkit runs`), e.g. `tfxkit diff FILE latest`")
        return diff_runs(audit.store, audit.pipeline, *audit.positionals)

    return answer(args, compute, format_diff, max_positionals=2)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="what differs between two runs: spec, data, schema, metrics, caching")
    add_audit_args(p, "FILE RUN_A [RUN_B]")
    p.set_defaults(func=run)
