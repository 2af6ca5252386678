"""The form of a Beam pipeline option, as the spec and `--beam-arg` take it.

Beam parses its options like a command line: each entry is one `--name` or
`--name=value` (argparse would also take `--name value` as two entries, which
a YAML list cannot express unambiguously). Checking the form here, without
importing Beam, lets `tfxkit validate` catch a typo such as `runner=Flink` or
`--runner Flink` in milliseconds; whether Beam knows the name is Beam's to say
when the run starts.
"""

from __future__ import annotations

import re

_OPTION = re.compile(r"--[A-Za-z][A-Za-z0-9_]*(=.*)?", re.DOTALL)


def beam_arg_problem(arg: str) -> str | None:
    """Why `arg` is not one Beam option (None when it is): `--name` or `--name=value`."""
    if _OPTION.fullmatch(arg):
        return None
    if not arg.startswith("--"):
        return f"{arg!r} is not a Beam option (expected --name or --name=value, e.g. --runner=FlinkRunner)"
    return f"{arg!r} is not one Beam option (expected --name or --name=value, with no space before '=')"
