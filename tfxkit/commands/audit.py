"""What the audit verbs (runs, lineage, diff, reproduce) share: which store and pipeline to read.

Each takes either a spec file (its store, with the same --root/--set
overrides as `run`) or `--metadata URL` for any store without the spec at
hand (then `--pipeline NAME` when the store holds several pipelines). Only the
spec's `pipeline` section is read: an audit works even when the data the spec
names is gone. Errors are one line: 2 for a bad question, 1 for a store that
cannot be reached.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Callable

from tfxkit.commands.common import (
    EXIT_RUN_FAILED,
    CommandError,
    add_overrides,
    exit_on_spec_errors,
    overrides,
    write_output,
)

# What an audit reads of a spec: where its store is (and gc's retention). A --set of any other key would change nothing.
STORE_KEYS = ("pipeline.name", "pipeline.root", "pipeline.metadata", "pipeline.keep_runs")


@dataclass
class Audit:
    """An opened store and the pipeline whose lineage is asked about."""

    store: object  # tfxkit.metadata.store.Store (imported lazily: ml_metadata is not free)
    pipeline: str
    positionals: list[str]
    location: object = None  # the spec's tfxkit.config.locate.StoreLocation; None with --metadata


def add_audit_args(parser: argparse.ArgumentParser, positionals: str, formats: tuple[str, ...] = ("text", "json")
                   ) -> None:
    parser.add_argument("args", nargs="*", metavar=positionals,
                        help="the spec file (omit it with --metadata), then the verb's arguments")
    parser.add_argument("--metadata", metavar="URL",
                        help="read this store (sqlite:///file, mysql://..., postgresql://...) instead of a spec's")
    parser.add_argument("--pipeline", help="the pipeline to read (with --metadata, when the store has several)")
    parser.add_argument("--format", choices=formats, default="text", help="output format (json is stable)")
    add_overrides(parser)


def open_audit(args: argparse.Namespace, writable: bool = False, reads: tuple[str, ...] = STORE_KEYS) -> Audit:
    """The store and pipeline named by a spec file or --metadata, and the remaining positionals.

    `writable` (rollback, promote): the store is written to; an SQLite file must still exist already.
    `reads`: the spec keys the verb reads (a --set of another is refused); `promote` reads push's too.
    """
    from ml_metadata.proto import metadata_store_pb2

    from tfxkit.metadata.connection import connection_config, store_config
    from tfxkit.metadata.store import Store

    rest = list(args.args)
    location = None
    if args.metadata and (args.set or args.root):
        raise CommandError(f"{'--root' if args.root else '--set'} changes a spec file's store; with --metadata URL "
                           "the store is already named (drop one of them)")
    try:
        if args.metadata:
            config = connection_config(args.metadata, read_only=True)
            pipeline = args.pipeline
        else:
            if not rest:
                raise CommandError("name a spec file, or a store with --metadata URL")
            location = _located(rest.pop(0), args, reads)
            config = store_config(location.metadata, location.root, location.base_dir, read_only=True)
            pipeline = args.pipeline or location.pipeline
        if writable and config.WhichOneof("config") == "sqlite":
            config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE
        store = Store(config)
    except ValueError as exc:  # a malformed --metadata URL
        raise CommandError(f"--metadata: {exc}") from None
    except FileNotFoundError as exc:  # an SQLite store that does not exist: nothing was ever recorded
        raise CommandError(str(exc)) from None
    except ConnectionError as exc:
        raise CommandError(str(exc), EXIT_RUN_FAILED) from None
    if pipeline is None:
        names = store.pipelines()
        if len(names) != 1:
            raise CommandError("the store holds " + (f"pipelines {', '.join(names)}: name one with --pipeline"
                                                     if names else "no pipeline runs yet"))
        pipeline = names[0]
    return Audit(store, pipeline, rest, location)


def _located(path: str, args: argparse.Namespace, reads: tuple[str, ...] = STORE_KEYS):
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.locate import locate_store

    given = overrides(args)
    _check_sets(path, given, reads)
    try:
        return locate_store(path, given)
    except SpecErrors as errors:
        exit_on_spec_errors(errors)


def _check_sets(path: str, given: dict, reads: tuple[str, ...] = STORE_KEYS) -> None:
    """--set keys outside the store's: the full spec's located error for an unknown key or a bad value (as
    `validate` prints it), else a refusal, since an audit would silently ignore them."""
    outside = [key for key in given if not any(key == read or key.startswith(f"{read}.") for read in reads)]
    if not outside:
        return
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.load import load_spec

    try:
        load_spec(path, given)
    except SpecErrors as errors:
        mine = [error for error in errors.errors if any(_related(error.path, key) for key in outside)]
        if mine:  # the rest (a data file gone since) is no concern of an audit
            exit_on_spec_errors(SpecErrors(mine, errors.source_lines))
    raise CommandError(f"--set {outside[0]}: an audit reads only where the store is from the spec "
                       f"({', '.join(reads)}); this key would change nothing")


def _related(path: str, key: str) -> bool:
    """Whether a problem at dotted `path` is about the --set `key` (the key itself, a parent or a child)."""
    return path == key or key.startswith(f"{path}.") or path.startswith(f"{key}.")


def compute_answer(args: argparse.Namespace, compute: Callable[[Audit], object], max_positionals: int,
                   writable: bool = False, reads: tuple[str, ...] = STORE_KEYS) -> object:
    """Open the store and compute the answer; audit errors become one-line CommandErrors."""
    from tfxkit.lineage.errors import LineageError

    audit = open_audit(args, writable, reads)
    if len(audit.positionals) > max_positionals:
        raise CommandError(f"unexpected argument {audit.positionals[max_positionals]!r}")
    try:
        return compute(audit)
    except LineageError as exc:
        raise CommandError(str(exc), exc.code) from None
    except ConnectionError as exc:
        raise CommandError(str(exc), EXIT_RUN_FAILED) from None


def answer(args: argparse.Namespace, compute: Callable[[Audit], object], text: Callable[[object], str],
           max_positionals: int, writable: bool = False, reads: tuple[str, ...] = STORE_KEYS) -> int:
    """`compute_answer` as text or as JSON (`--format json`), printed or written to `-o FILE` where offered."""
    result = compute_answer(args, compute, max_positionals, writable, reads)
    emit(args, json.dumps(result, indent=2, sort_keys=True, default=str) if args.format == "json" else text(result))
    return 0


def emit(args: argparse.Namespace, text: str) -> None:
    """Print an answer, or write it to the verb's `-o FILE` when one was given."""
    output = getattr(args, "output", None)
    if output:
        write_output(output, text)
    else:
        print(text)
