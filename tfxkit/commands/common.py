"""What every command shares: exit codes, spec loading with overrides, error printing."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.load import LoadedSpec

EXIT_OK, EXIT_RUN_FAILED, EXIT_SPEC, EXIT_NOT_BLESSED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


class CommandError(Exception):
    """A one-line error for the user; `code` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_SPEC):
        super().__init__(message)
        self.code = code


def add_overrides(parser: argparse.ArgumentParser, root: bool = True) -> None:
    """--root and --set, shared by every command that reads a spec (--root only where the root matters)."""
    if root:
        parser.add_argument("--root", help="override pipeline.root (relative to the current directory)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a spec value, e.g. --set trainer.epochs=5 (repeatable)")


def counted(minimum: int, maximum: int | None = None):
    """An argparse `type` for a whole number in [minimum, maximum]: `--limit -3` is refused, not read as 'all'."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if number < minimum or (maximum is not None and number > maximum):
            wanted = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {number}")
        return number

    parse.__name__ = "count"  # argparse names the type in its own messages
    return parse


def write_output(path: str, text: str) -> None:
    """Write a command's answer to `-o FILE` and say so; a file that cannot be written is a one-line error."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise CommandError(f"{path}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {path}")


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


def exit_on_spec_errors(errors: "SpecErrors", where: str | None = None, data_exit: int = EXIT_SPEC) -> NoReturn:
    """Print every problem (each with its source line and a caret on a terminal) and exit 2.

    `where` ("in FILE") adds a closing count line. When every problem is the data file's (unreadable,
    empty, another delimiter, a column it lacks), none the YAML's own, the exit status is `data_exit`:
    for `tfxkit run` that is a run that failed on its data (exit 1), not a bad spec.
    """
    from tfxkit.config.problem import ProblemKind

    print(errors.render(show_source=sys.stderr.isatty()), file=sys.stderr)
    if data_exit != EXIT_SPEC and all(e.kind is ProblemKind.DATA for e in errors.errors):
        print("tfxkit: the data does not fit the spec; nothing ran and nothing was pushed", file=sys.stderr)
        raise SystemExit(data_exit) from None
    if where is not None:
        count = len(errors.errors)
        print(f"tfxkit: {count} problem{'s' if count != 1 else ''} {where}", file=sys.stderr)
    raise SystemExit(EXIT_SPEC) from None


def load(path: str, args: argparse.Namespace, data_exit: int = EXIT_SPEC) -> "LoadedSpec":
    """Load and check a spec; on problems print them (one line each) and exit 2 (`data_exit` when only
    the data file is at fault)."""
    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.load import load_spec
    from tfxkit.dag.plan import component_problems  # pure Python: no TFX import

    try:
        return load_spec(path, overrides(args), more_checks=(component_problems,))
    except SpecErrors as errors:
        exit_on_spec_errors(errors, f"in {path}", data_exit)
