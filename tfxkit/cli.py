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
import os
import sys
from typing import Sequence

from tfxkit.commands import diff, lineage, plan, reproduce, run, runs, schema, validate
from tfxkit.commands.common import EXIT_SPEC, CommandError

VERBS = (validate, plan, run, runs, lineage, diff, reproduce, schema)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfxkit", description="Declarative TFX pipelines from one YAML file.")
    sub = parser.add_subparsers(dest="command", required=True)
    for verb in VERBS:
        verb.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # MLMD's C++ (glog) would print its own connection errors; tfxkit reports them in one line.
    os.environ.setdefault("GLOG_minloglevel", "3")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as error:
        print(f"tfxkit: {error}", file=sys.stderr)
        return error.code
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_SPEC
    except BrokenPipeError:  # `tfxkit ... | head`: the reader left; end quietly, not with a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
