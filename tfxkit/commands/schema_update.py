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

    audit = open_audit(args)
    if len(audit.positionals) > 1:
        raise CommandError(f"unexpected argument {audit.positionals[1]!r}")
    try:
        run_id, statistics, schema, split_names = _run_artifacts(audit, audit.positionals[0] if audit.positionals
                                                                 else None)
    except LineageError as exc:
        raise CommandError(str(exc), exc.code) from None
    except ConnectionError as exc:
        raise CommandError(str(exc), EXIT_RUN_FAILED) from None

    from tfxkit.runners import schema_update as su

    stats_paths = su.statistics_paths(statistics["uri"], split_names) if os.path.isdir(statistics["uri"]) else {}
    if not stats_paths:
        raise CommandError(f"run {run_id}: its statistics are gone from {statistics['uri']} "
                           "(the pipeline root was cleaned?): nothing to relax the schema from")
    schema_path = os.path.join(schema["uri"], su.SCHEMA_FILE)
    if not os.path.exists(schema_path):
        raise CommandError(f"run {run_id}: the schema it used is gone from {schema['uri']}")
    curated = (schema.get("file") or {}).get("path")
    output = args.output or _default_output(curated, run_id)

    from tfxkit.runners.execute import prepare_process

    prepare_process()  # quiet TensorFlow's logs and the stack's warnings before TFDV loads it
    old = su.load_schema(schema_path)
    try:
        relaxed = su.relax_schema(old, su.load_statistics(stats_paths))
    except su.SchemaUpdateError as exc:
        raise CommandError(f"run {run_id}: {exc}", EXIT_RUN_FAILED) from None
    shown_curated = su.shown_path(curated) if curated else schema_path
    splits = ", ".join(stats_paths)
    if not relaxed.changes:
        print(f"run {run_id}: its statistics ({splits}) already validate against {shown_curated}: "
              "nothing to relax, nothing written")
        return EXIT_OK
    found = sum(len(lines) for lines in relaxed.accepted.values())
    print(f"run {run_id}: {found} anomal{'y' if found == 1 else 'ies'} against {shown_curated}, accepted:")
    for split, lines in relaxed.accepted.items():
        print("\n".join(f"  [{split}] {line}" for line in lines))
    print("relaxed (TFDV update_schema on the run's statistics; re-validated: no anomalies in "
          f"{splits}):")
    for feature, changes in relaxed.changes.items():
        print(f"  {feature}: {'; '.join(changes)}")
    comments = su.header_comments(schema_path) + [
        f"# Relaxed by `tfxkit schema update` from the statistics of run {run_id}: "
        + "; ".join(f"{f}: {', '.join(c)}" for f, c in relaxed.changes.items())]
    su.write_schema(relaxed.schema, output, comments)
    shown_output = su.shown_path(output)
    print(f"wrote {shown_output}")
    same = curated is not None and os.path.realpath(output) == os.path.realpath(curated)
    review = f"git diff {shown_output}" if same else f"diff -u {shown_curated} {shown_output}"
    print(f"review: {review}")
    if not same:
        print(f"try it: tfxkit run SPEC --set schema.file={os.path.abspath(output)}; "
              f"accept it: -o {shown_curated}, review the diff, commit")
    return EXIT_OK


def _run_artifacts(audit, ref: str | None) -> tuple[str, dict, dict, list[str] | None]:
    """The run, its statistics and schema artifacts (as provenance reports them) and the statistics' splits."""
    import json

    from tfxkit.lineage.provenance import provenance
    from tfxkit.lineage.runs import find_run, list_runs

    store, pipeline = audit.store, audit.pipeline
    if ref is None:
        gated = [row for row in list_runs(store, pipeline) if row.status == "gated"]
        if not gated:
            raise CommandError(f"no run of pipeline '{pipeline}' was stopped by the data gate; "
                               "name a run id (see `tfxkit runs`)")
        run_id = gated[0].run_id
    else:
        run_id = find_run(store, pipeline, ref).id
    found = provenance(store, pipeline, run_id)
    statistics, schema = found.get("statistics"), found.get("schema")
    if statistics is None:
        raise CommandError(f"run {run_id} has no statistics (it stopped before StatisticsGen finished): "
                           "nothing to relax the schema from")
    if schema is None:
        raise CommandError(f"run {run_id} has no schema recorded: nothing to relax")
    if schema.get("source") != "curated":
        raise CommandError(f"run {run_id} used a schema inferred by SchemaGen (no schema.file in its spec): "
                           "there is no curated schema to update")
    artifact = store.artifact(statistics["artifact_id"])
    names = artifact.properties.get("split_names") if artifact else None
    try:
        split_names = json.loads(names) if isinstance(names, str) else None
    except ValueError:
        split_names = None
    return run_id, statistics, schema, split_names


def _default_output(curated: str | None, run_id: str) -> str:
    """Beside the curated file, never over it: `<name>.relaxed.pbtxt`."""
    if curated is None:
        return os.path.abspath(f"schema.{run_id}.relaxed.pbtxt")
    stem, ext = os.path.splitext(curated)
    return f"{stem}.relaxed{ext or '.pbtxt'}"


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
