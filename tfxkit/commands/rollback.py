"""`tfxkit rollback FILE [--to VERSION] --reason TEXT [--dry-run]`: serve an earlier model again, recorded."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, answer
from tfxkit.commands.common import CommandError, counted


def run(args: argparse.Namespace) -> int:
    from tfxkit.registry.rollback import describe, plan_rollback, rollback

    if not args.reason.strip():  # before the store is opened: nothing to look up for a refusal
        raise CommandError("--reason: say why the model is rolled back (it is recorded with the rollback)")

    def compute(audit):
        plan = plan_rollback(audit.store, audit.pipeline, args.reason, args.to)
        return {"dry_run": True, "plan": plan.to_json()} if args.dry_run else \
            {"dry_run": False, **rollback(audit.store, plan).to_json()}

    return answer(args, compute, describe, max_positionals=0, writable=not args.dry_run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rollback", help="serve an earlier model again as a new highest version, recorded in MLMD")
    add_audit_args(p, "FILE")
    p.add_argument("--to", type=counted(0), metavar="VERSION",
                   help="the version to serve again (default: the previous serving version; `tfxkit models` lists them)")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded with the rollback)")
    p.add_argument("--dry-run", action="store_true", help="say what would be served, change nothing")
    p.set_defaults(func=run)
