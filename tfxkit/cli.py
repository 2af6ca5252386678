"""The `tfxkit` command: collects the verbs of `tfxkit.commands` and dispatches.

Each verb lives in its own module there. validate, plan, schema and the
lineage verbs import nothing heavier than pydantic, PyYAML and ml_metadata,
so they answer in about a second; `run` loads TFX only when it starts.
Exit codes: 0 ok (for run: a model was pushed), 1 the run failed (a component
error or the data gate) or a store could not be reached, 2 the spec or the
command's input is invalid, 3 the run finished but the model was not blessed,
so nothing was pushed.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from typing import NoReturn, Sequence

from tfxkit.commands import (
    compile,
    deploy,
    diff,
    gc,
    image,
    init,
    lineage,
    models,
    plan,
    promote,
    report,
    reproduce,
    rollback,
    run,
    runs,
    schema,
    tensorboard,
    validate,
    watch,
)
from tfxkit.commands.common import EXIT_INTERRUPTED, EXIT_SPEC, CommandError

VERBS = (init, validate, plan, run, watch, runs, models, rollback, promote, gc, lineage, diff, report, tensorboard,
         reproduce, schema, compile, deploy, image)


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with its refusals in tfxkit's form: one `tfxkit: ...` line on stderr and exit 2.

    Every verb's parser is of this class (argparse makes subparsers of the parent's class), so a bad option
    value reads like every other refusal instead of a usage block.
    """

    def error(self, message: str) -> NoReturn:
        verb = self.prog.partition(" ")[2]
        where = f"{verb}: " if verb else ""
        self.exit(EXIT_SPEC, f"tfxkit: {where}{message} (see `{self.prog} --help`)\n")


def installed_version() -> str:
    """The version of the installed distribution (a checkout on PYTHONPATH: the package's own)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tfxkit")
    except PackageNotFoundError:
        from tfxkit import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="tfxkit", description="Declarative TFX pipelines from one YAML file.")
    parser.add_argument("--version", action="version", version=f"tfxkit {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for verb in VERBS:
        verb.register(sub)
    return parser


class _ReaderMayLeave:
    """stdout or stderr for `tfxkit ... | head -1`: once the reader has left, the rest of the output
    goes to /dev/null, and the command runs on to its true exit status (a bad spec after a good one
    still exits 2) without a BrokenPipeError traceback or an "Exception ignored" line at exit."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_left()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_left()
            self._stream.flush()  # what was buffered now goes to /dev/null

    def _reader_left(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, with an audit verb's positionals anywhere among its options: argparse takes a `*` list
    in one piece, so `tfxkit diff FILE --root DIR RUN` would refuse RUN as unrecognized."""
    args, rest = parser.parse_known_args(argv)
    if rest and isinstance(getattr(args, "args", None), list) and not any(a.startswith("-") for a in rest):
        args.args += rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    # MLMD's C++ (glog) would print its own connection errors; tfxkit reports them in one line.
    os.environ.setdefault("GLOG_minloglevel", "3")
    args = _parse(build_parser(), argv)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _ReaderMayLeave(sys.stdout), _ReaderMayLeave(sys.stderr)
    try:
        return _dispatch(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


def entry() -> NoReturn:
    """The `tfxkit` and `python -m tfxkit` commands: `main`, then an exit without the interpreter's teardown.

    Once a run has loaded TensorFlow, Beam and TFX, Python's own finalization (clearing
    every module and collecting what they hold) takes 2-3 s after the result is printed,
    and does nothing a finished command needs. What finalization would do that matters
    still happens, in its order: non-daemon threads are waited for (threading's own
    shutdown, which also stops idle thread pools), exit handlers run (logging's flush,
    finalizers such as temporary folders), and the standard streams are flushed.
    """
    code = main()
    threading._shutdown()  # what Py_Finalize does first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader left, or the stream was closed
            pass
    os._exit(int(code or 0))


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except CommandError as error:
        print(f"tfxkit: {error}", file=sys.stderr)
        return error.code
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_SPEC
    except KeyboardInterrupt:  # Ctrl-C outside a run (a run reports where it stopped itself)
        print("tfxkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `tfxkit ... | head`: the reader left; end quietly, not with a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
