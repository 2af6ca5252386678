"""`tfxkit image FILE -o Dockerfile`: the Dockerfile of the image that the compiled pipeline names."""

from __future__ import annotations

import argparse

from tfxkit.commands.common import EXIT_OK, add_overrides, load


def run(args: argparse.Namespace) -> int:
    from tfxkit.deploy.files import write_atomically
    from tfxkit.deploy.image import BASE_IMAGE, dockerfile

    loaded = load(args.file, args)
    text = dockerfile(loaded, args.base or BASE_IMAGE)
    if args.output == "-":
        print(text, end="")
    else:
        write_atomically(args.output, text)
        print(f"wrote {args.output}; build it from the project folder: docker build -t IMAGE -f {args.output} .")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("image", help="write the Dockerfile of the image a compiled pipeline runs in")
    p.add_argument("file")
    p.add_argument("-o", "--output", default="Dockerfile", help="where to write it ('-' for stdout)")
    p.add_argument("--base", help=f"base image (default {BASE_IMAGE_HELP})")
    add_overrides(p, root=False)  # no line of the Dockerfile depends on where runs are kept
    p.set_defaults(func=run)


BASE_IMAGE_HELP = "python:3.11-slim-bookworm"
