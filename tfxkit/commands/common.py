"""What every command shares: exit codes, spec loading with overrides, error printing."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tfxkit.config.load import LoadedSpec

EXIT_OK, EXIT_RUN_FAILED, EXIT_SPEC, EXIT_NOT_BLESSED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


class CommandError(Exception):
    """A one-line error for the user; `code` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_SPEC):
        super().__init__(message)
        self.code = code


def add_overrides(parser: argparse.ArgumentParser) -> None:
    """--root and --set, shared by every command that reads a spec."""
    parser.add_argument("--root", help="override pipeline.root (relative to the current directory)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a spec value, e.g. --set trainer.epochs=5 (repeatable)")


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The --set and --root overrides as dotted key paths."""
    from tfxkit.config.yaml_positions import parse_value
    from tfxkit.config.yaml_problem import YamlProblem

    out: dict[str, Any] = {}
    for item in getattr(args, "set", None) or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key] = parse_value(value)  # the same rules as a spec file: no tags, no alias bombs
        except YamlProblem as problem:
            raise CommandError(f"--set {key}: column {len(key) + 1 + problem.col}: {problem.message}") from None
    if getattr(args, "root", None):
        out["pipeline.root"] = os.path.abspath(args.root)
    return out


def data_only(errors: list) -> bool:
    """Every problem is the data file's (unreadable, empty, another delimiter, a column it lacks), none the
    YAML's own: for `tfxkit run` that is a run that failed on its data (exit 1), not a bad spec."""
    return all(e.path == "data.path" or " in the data (expected one of" in e.message for e in errors)


def load(path: str, args: argparse.Namespace, data_exit: int = EXIT_SPEC) -> "LoadedSpec":
    """Load and check a spec; on problems print them (one line each) and exit 2 (`data_exit` when only
    the data file is at fault)."""
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.load import load_spec

    from tfxkit.dag.plan import component_problems  # pure Python: no TFX import

    try:
        return load_spec(path, overrides(args), more_checks=(component_problems,))
    except SpecErrors as errors:
        print(errors.render(show_source=sys.stderr.isatty()), file=sys.stderr)
        count = len(errors.errors)
        if data_only(errors.errors) and data_exit != EXIT_SPEC:
            print("tfxkit: the data does not fit the spec; nothing ran and nothing was pushed", file=sys.stderr)
            raise SystemExit(data_exit) from None
        print(f"tfxkit: {count} problem{'s' if count != 1 else ''} in {path}", file=sys.stderr)
        raise SystemExit(EXIT_SPEC) from None
