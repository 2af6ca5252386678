"""Copy a folder so that the copy appears whole or not at all (the Pusher's push; see executor.py)."""

from __future__ import annotations

import os
import shutil

PARTIAL_SUFFIX = ".partial"


def atomic_copy_dir(source: str, destination: str) -> bool:
    """Copy folder `source` to `destination` so that `destination` appears whole or not at all.

    Returns False (and copies nothing) when `destination` already exists.
    """
    if os.path.exists(destination):
        return False
    parent, name = os.path.split(destination.rstrip("/"))
    os.makedirs(parent, exist_ok=True)
    for stale in os.listdir(parent):
        if stale.startswith(".") and stale.endswith(PARTIAL_SUFFIX):
            shutil.rmtree(os.path.join(parent, stale), ignore_errors=True)
    partial = os.path.join(parent, f".{name}{PARTIAL_SUFFIX}")
    shutil.copytree(source, partial)
    os.rename(partial, destination)
    return True
