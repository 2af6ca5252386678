"""`tfxkit schema update FILE [RUN] [-o OUT]`: a relaxed curated schema from a run's statistics.

The data gate stopped a run because the data no longer matches the curated
schema; when the change is wanted (a new category, a column that may now be
missing), this writes the schema that run used, relaxed by TFDV until the
run's statistics validate against it, for a person to review and commit. The
run and its artifacts are found in ML Metadata (a spec file's store or
`--metadata`); RUN defaults to the newest run stopped by the gate. The spec's
curated file is only overwritten when `-o` names it.
"""

from __future__ import annotations

import argparse
import os

from tfxkit.commands.common import EXIT_OK, EXIT_RUN_FAILED, CommandError, add_overrides


def run(args: argparse.Namespace) -> int:
    from tfxkit.commands.audit import open_audit
    from tfxkit.lineage.errors import LineageError
    from tfxkit.runners.schema_update import NothingToRelax, SchemaUpdateError, shown_path, update_schema

    audit = open_audit(args)
    if len(audit.positionals) > 1:
        raise CommandError(f"unexpected argument {audit.positionals[1]!r}")
    try:
        done = update_schema(audit.store, audit.pipeline, audit.positionals[0] if audit.positionals else None,
                             args.output)
    except LineageError as exc:
        raise CommandError(str(exc), exc.code) from None
    except NothingToRelax as exc:
        raise CommandError(str(exc)) from None
    except (ConnectionError, SchemaUpdateError) as exc:
        raise CommandError(str(exc), EXIT_RUN_FAILED) from None
    splits, relaxed = ", ".join(done.splits), done.relaxed
    if done.output is None:
        print(f"run {done.run_id}: its statistics ({splits}) already validate against {done.shown_curated}: "
              "nothing to relax, nothing written")
        return EXIT_OK
    found = sum(len(lines) for lines in relaxed.accepted.values())
    print(f"run {done.run_id}: {found} anomal{'y' if found == 1 else 'ies'} against {done.shown_curated}, accepted:")
    for split, lines in relaxed.accepted.items():
        print("\n".join(f"  [{split}] {line}" for line in lines))
    print(f"relaxed (TFDV update_schema on the run's statistics; re-validated: no anomalies in {splits}):")
    for feature, changes in relaxed.changes.items():
        print(f"  {feature}: {'; '.join(changes)}")
    shown_output = shown_path(done.output)
    print(f"wrote {shown_output}")
    review = f"git diff {shown_output}" if done.in_place else f"diff -u {done.shown_curated} {shown_output}"
    print(f"review: {review}")
    if not done.in_place:
        print(f"try it: tfxkit run SPEC --set schema.file={os.path.abspath(done.output)}; "
              f"accept it: -o {done.shown_curated}, review the diff, commit")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """`update` under `tfxkit schema` (whose own `-o` still writes the spec's JSON Schema)."""
    p = sub.add_parser("update", help="write a relaxed curated schema from a gated run's statistics (TFDV)")
    p.add_argument("args", nargs="*", metavar="FILE [RUN]",
                   help="the spec file (omit it with --metadata), then the run id (default: the newest gated run)")
    p.add_argument("--metadata", metavar="URL", help="read this store instead of the spec's")
    p.add_argument("--pipeline", help="the pipeline to read (with --metadata, when the store has several)")
    p.add_argument("--output", "-o", dest="update_output", metavar="OUT",
                   help="where to write the relaxed schema (default: beside the curated file, <name>.relaxed.pbtxt; "
                        "name the curated file to update it in place)")
    add_overrides(p)
    p.set_defaults(func=_run_update)


def _run_update(args: argparse.Namespace) -> int:
    args.output = args.update_output
    return run(args)
