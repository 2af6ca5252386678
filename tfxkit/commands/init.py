"""`tfxkit init DIR [--example penguin] [--force]`: a new pipeline project that validates, runs and tests
as written (pipelines/, data/, schemas/, components/, tests/, BUILD, requirements.txt, README)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tfxkit.commands.common import EXIT_OK, EXIT_SPEC, CommandError


def run(args: argparse.Namespace) -> int:
    from tfxkit.scaffold.project import ScaffoldError, write_project

    try:
        written = write_project(Path(args.dir), args.example, args.force)
    except ScaffoldError as error:
        raise CommandError(str(error), EXIT_SPEC) from None
    except OSError as error:
        raise CommandError(f"{args.dir}: cannot write the project: {error.strerror or error}", EXIT_SPEC) from None
    print(f"wrote {args.dir}/ ({len(written.files)} files, example '{args.example}'); next:")
    print(f"  cd {args.dir} && make run     # set up .venv, then validate and run {written.spec}")
    print(f"  cd {args.dir} && make test    # set up .venv, then run tests/")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="write a new pipeline project (layout, example spec and data, tests, BUILD)")
    p.add_argument("dir", help="the project folder (created; must be empty unless --force)")
    p.add_argument("--example", default="penguin", help="the example pipeline to start from (default: penguin)")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder, replacing same-named files")
    p.set_defaults(func=run)
