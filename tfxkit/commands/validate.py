"""`tfxkit validate FILE...`: check spec files without importing TensorFlow."""

from __future__ import annotations

import argparse

from tfxkit.commands.common import EXIT_OK, EXIT_SPEC, add_overrides, load


def run(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            loaded = load(path, args)
        except SystemExit:
            status = EXIT_SPEC
            continue
        print(f"ok: {path} (pipeline '{loaded.spec.pipeline.name}', spec {loaded.spec_hash()})")
    return status


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check spec files (no TensorFlow import)")
    p.add_argument("files", nargs="+")
    add_overrides(p)
    p.set_defaults(func=run)
