"""`tfxkit models FILE`: every model version the pipeline pushed, which one serves, rollbacks marked."""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, answer


def run(args: argparse.Namespace) -> int:
    from tfxkit.lineage.models import model_versions
    from tfxkit.lineage.text import format_models

    def compute(audit):
        return {"pipeline": audit.pipeline,
                "versions": [v.to_json() for v in model_versions(audit.store, audit.pipeline)]}

    return answer(args, compute, format_models, max_positionals=0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="every model version pushed: serving, previous, rolled back, removed")
    add_audit_args(p, "FILE")
    p.set_defaults(func=run)
