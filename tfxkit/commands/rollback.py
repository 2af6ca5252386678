"""`tfxkit rollback FILE [--to VERSION] --reason TEXT [--dry-run]`: serve an earlier model again, recorded."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, answer
from tfxkit.commands.common import CommandError, counted, overrides


def run(args: argparse.Namespace) -> int:
    from tfxkit.registry.rollback import describe, plan_rollback, rollback

    if not args.reason.strip():  # before the store is opened: nothing to look up for a refusal
        raise CommandError("--reason: say why the model is rolled back (it is recorded with the rollback)")

    done: dict = {}

    def compute(audit):
        plan = plan_rollback(audit.store, audit.pipeline, args.reason, args.to)
        if args.dry_run:
            return {"dry_run": True, "plan": plan.to_json()}
        done.update(rollback(audit.store, plan).to_json())
        return {"dry_run": False, **done}

    code = answer(args, compute, describe, max_positionals=0, writable=not args.dry_run)
    if done and args.args:  # a spec file names who is told (--metadata names only a store)
        _notify(args, done)
    return code


def _notify(args: argparse.Namespace, done: dict) -> None:
    """The spec's `notify` targets hear of the rollback when they asked for `rolled_back`; never fails it."""
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.load import load_spec
    from tfxkit.notify.send import Facts, notify, warn_on_stderr

    try:
        loaded = load_spec(args.args[0], overrides(args))
    except SpecErrors:
        return warn_on_stderr("the spec does not load (tfxkit validate says why): nobody was notified of the rollback")
    plan = done["plan"]
    notify(loaded.spec.notify, Facts(plan["pipeline"], done["run_id"], "rolled_back", plan["reason"],
                                     pushed_to=done["folder"]))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rollback", help="serve an earlier model again as a new highest version, recorded in MLMD")
    add_audit_args(p, "FILE")
    p.add_argument("--to", type=counted(0), metavar="VERSION",
                   help="the version to serve again (default: the previous serving version; `tfxkit models` lists them)")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded with the rollback)")
    p.add_argument("--dry-run", action="store_true", help="say what would be served, change nothing")
    p.set_defaults(func=run)
