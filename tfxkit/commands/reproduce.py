"""`tfxkit reproduce FILE RUN_ID -o spec.yaml`: write the exact spec a run ran, to run it again."""

from __future__ import annotations

import argparse
import json
import sys

from tfxkit.commands.audit import add_audit_args, open_audit
from tfxkit.commands.common import CommandError


def run(args: argparse.Namespace) -> int:
    import yaml

    from tfxkit.lineage.errors import LineageError
    from tfxkit.lineage.runs import find_run
    from tfxkit.metadata import keys

    audit = open_audit(args)
    if len(audit.positionals) != 1:
        raise CommandError("name one run id (see `tfxkit runs`), e.g. `tfxkit reproduce FILE latest -o spec.yaml`")
    try:
        found = find_run(audit.store, audit.pipeline, audit.positionals[0])
    except LineageError as exc:
        raise CommandError(str(exc), exc.code) from None
    if keys.SPEC not in found.properties:
        raise CommandError(f"run {found.id} has no recorded spec (recorded by another tool or an older tfxkit)")
    spec = json.loads(str(found.properties[keys.SPEC]))
    header = (f"# The spec of run {found.id} of pipeline '{audit.pipeline}' (spec hash "
              f"{found.properties.get(keys.SPEC_HASH)}), as recorded in ML Metadata.\n"
              "# Paths are absolute; a metadata password is never recorded (*** stands for it).\n")
    text = header + yaml.safe_dump(spec, sort_keys=False, default_flow_style=False)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {args.output}: the spec of run {found.id}; run it with `tfxkit run {args.output}`")
    else:
        sys.stdout.write(text)
    if "***" in str((spec.get("pipeline") or {}).get("metadata", "")):
        print("tfxkit: the metadata URL's password is not recorded: set it with --set pipeline.metadata=URL",
              file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="write the exact recorded spec of a run")
    add_audit_args(p, "FILE RUN_ID")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.set_defaults(func=run)
