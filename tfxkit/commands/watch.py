"""`tfxkit watch FILE [--every 10m] [--once]`: run the pipeline when a new span or version appears.

Thin: the looks, the decisions and the state are `tfxkit.runners.watch`; a run is
`tfxkit run`'s own (`run_and_report`), so TensorFlow loads only when one starts.
"""

from __future__ import annotations

import argparse
import functools
import sys

from tfxkit.commands.common import EXIT_RUN_FAILED, add_overrides, load


def run(args: argparse.Namespace) -> int:
    from tfxkit.runners.watch import Watcher  # ml_metadata: only for this verb, not when the CLI starts

    def run_pipeline(loaded) -> int:
        from tfxkit.commands.run import run_and_report

        return run_and_report(loaded)

    watcher = Watcher(load=lambda: load(args.file, args, data_exit=EXIT_RUN_FAILED), run=run_pipeline,
                      every=args.every, write=functools.partial(print, file=sys.stdout, flush=True))
    return watcher.once() if args.once else watcher.forever()


def _every(text: str) -> int:
    from tfxkit.runners.watch import parse_every

    try:
        return parse_every(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_every.__name__ = "duration"  # argparse names the type in its own messages


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="run the pipeline whenever a new span or version of the data appears")
    p.add_argument("file")
    p.add_argument("--every", type=_every, default=600, metavar="DURATION",
                   help="time between two looks at the data: 30s, 10m (default) or 1h")
    p.add_argument("--once", action="store_true",
                   help="look once, run if new data arrived, and exit with the run's status (0 when nothing ran)")
    add_overrides(p)
    p.set_defaults(func=run)
