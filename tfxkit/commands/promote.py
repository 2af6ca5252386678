"""`tfxkit promote FILE MODEL --to NAME [--reason TEXT] [--dry-run]`: copy a blessed model to another destination."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import STORE_KEYS, add_audit_args, answer
from tfxkit.commands.common import CommandError, exit_on_spec_errors, overrides

# What promote reads of a spec: where its store is, and its named destinations.
READS = STORE_KEYS + ("push.destinations", "push.destination")


def run(args: argparse.Namespace) -> int:
    from tfxkit.registry.promote import describe, plan_promote, promote

    if args.metadata:  # before the store is opened: the destinations are the spec's, a store does not know them
        raise CommandError("--metadata: promote reads the destinations from the spec's push.destinations; "
                           "name the spec file instead")
    if len(args.args) < 2:
        raise CommandError("name the spec file and the model (a version number or a Model id `tfxkit models` lists)")
    destinations = _destinations(args)

    def compute(audit):
        plan = plan_promote(audit.store, audit.pipeline, audit.positionals[0], args.to, destinations, args.reason)
        if args.dry_run:
            return {"dry_run": True, "plan": plan.to_json()}
        return {"dry_run": False, **promote(audit.store, plan).to_json()}

    return answer(args, compute, describe, max_positionals=1, writable=not args.dry_run, reads=READS)


def _destinations(args: argparse.Namespace) -> dict[str, str]:
    """The spec's push.destinations (with --set/--root applied), folders absolute; located errors exit 2."""
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.locate import locate_destinations

    try:
        return locate_destinations(args.args[0], overrides(args))
    except SpecErrors as errors:
        exit_on_spec_errors(errors)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("promote", help="copy a blessed model to another named destination, recorded in MLMD")
    add_audit_args(p, "FILE MODEL")
    p.add_argument("--to", required=True, metavar="NAME",
                   help="the destination (a name in the spec's push.destinations, not the first: the pipeline's own)")
    p.add_argument("--reason", default="", metavar="TEXT", help="why (recorded with the promotion)")
    p.add_argument("--dry-run", action="store_true", help="say what would be copied where, change nothing")
    p.epilog = ("MODEL is a version number `tfxkit models` lists, or a Model artifact id (a version number is "
                "tried first; a Model id takes its highest pushed version whose files are still there).")
    p.set_defaults(func=run)
