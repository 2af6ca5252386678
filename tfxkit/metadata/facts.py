"""Facts about a run's inputs that MLMD does not keep: file fingerprints and stack versions.

Recorded at run time (on the run and its artifacts) so that an audit never
re-reads the data; computed here, in pure Python, so the lineage commands can
fingerprint a file a user names (`--from-data`) the same way.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from importlib import metadata as importlib_metadata

STACK = ("tfxkit", "tfx", "tensorflow", "tensorflow-transform", "tensorflow-model-analysis", "apache-beam",
         "ml-metadata")


def sha256_of(path: str) -> str:
    """Content fingerprint of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_fact(path: str) -> dict[str, object]:
    """{path, size, modified (UTC, ISO 8601), sha256} of one file."""
    stat = os.stat(path)
    modified = datetime.datetime.fromtimestamp(stat.st_mtime, datetime.timezone.utc)
    return {"path": os.path.abspath(path), "size": stat.st_size,
            "modified": modified.isoformat(timespec="seconds"), "sha256": sha256_of(path)}


def stack_versions() -> dict[str, str]:
    """Installed versions of tfxkit and the TFX stack."""
    out = {}
    for name in STACK:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
