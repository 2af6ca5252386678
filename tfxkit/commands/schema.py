"""`tfxkit schema`: the JSON Schema of the spec, for editors; `tfxkit schema update` relaxes a curated
data schema from a gated run's statistics (`tfxkit.commands.schema_update`)."""

from __future__ import annotations

import argparse
import json

from tfxkit.commands.common import EXIT_OK


def run(args: argparse.Namespace) -> int:
    from tfxkit.config.json_schema import spec_json_schema

    text = json.dumps(spec_json_schema(), indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the spec")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.set_defaults(func=run)
    from tfxkit.commands import schema_update

    schema_update.register(p.add_subparsers(dest="schema_command", metavar="[update]"))
