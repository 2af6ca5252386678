"""`tfxkit reproduce FILE RUN_ID -o spec.yaml`: write the exact spec a run ran, to run it again."""

from __future__ import annotations

import argparse
import json
import sys

from tfxkit.commands.audit import add_audit_args, emit, open_audit
from tfxkit.commands.common import CommandError


def run(args: argparse.Namespace) -> int:
    import yaml

    from tfxkit.lineage.errors import LineageError
    from tfxkit.lineage.reproduce import as_written, changed_inputs
    from tfxkit.lineage.runs import find_run
    from tfxkit.metadata import keys

    audit = open_audit(args)
    if len(audit.positionals) != 1:
        raise CommandError("name one run id (see `tfxkit runs`), e.g. `tfxkit reproduce FILE latest -o spec.yaml`")
    try:
        found = find_run(audit.store, audit.pipeline, audit.positionals[0])
        if keys.SPEC not in found.properties:
            raise CommandError(f"run {found.id} has no recorded spec (recorded by another tool or an older tfxkit)")
        spec = as_written(json.loads(str(found.properties[keys.SPEC])))
        changed = changed_inputs(audit.store, audit.pipeline, found.id)
    except LineageError as exc:
        raise CommandError(str(exc), exc.code) from None
    if args.format == "json":
        emit(args, json.dumps(spec, indent=2))
    else:
        header = (f"# The spec of run {found.id} of pipeline '{audit.pipeline}' (spec hash "
                  f"{found.properties.get(keys.SPEC_HASH)}), as recorded in ML Metadata.\n"
                  "# Paths are absolute; a metadata password is never recorded (*** stands for it).\n")
        emit(args, header + yaml.safe_dump(spec, sort_keys=False, default_flow_style=False).rstrip("\n"))
    if args.output:
        print(f"run it with `tfxkit run {args.output}`")
    for line in changed:
        print(f"tfxkit: warning: {line}", file=sys.stderr)
    if "***" in str((spec.get("pipeline") or {}).get("metadata", "")):
        print("tfxkit: the metadata URL's password is not recorded: set it with --set pipeline.metadata=URL",
              file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="write the exact recorded spec of a run")
    add_audit_args(p, "FILE RUN_ID")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.set_defaults(func=run)
