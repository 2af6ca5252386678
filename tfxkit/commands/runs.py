"""`tfxkit runs FILE`: the pipeline's runs, newest first, with node states and outcomes."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, answer
from tfxkit.commands.common import counted


def run(args: argparse.Namespace) -> int:
    from tfxkit.lineage.runs import list_runs
    from tfxkit.lineage.text import format_runs

    def compute(audit):
        return {"pipeline": audit.pipeline,
                "runs": [row.to_json() for row in list_runs(audit.store, audit.pipeline, args.limit)]}

    return answer(args, compute, lambda r: format_runs(r["pipeline"], r["runs"]), max_positionals=0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list the pipeline's runs: states, outcome, spec hash")
    add_audit_args(p, "FILE")
    p.add_argument("--limit", type=counted(1), default=20, metavar="N", help="show the N newest runs (default 20)")
    p.set_defaults(func=run)
