"""Content-addressed copies of files that components read by path.

TFX's cache key sees a path parameter, not the file behind it: editing a
curated schema in place would otherwise be served the old schema from the
cache (the peers' "stale cache on changed outside data" bug, KFP #4857).
Components get a copy whose name carries the content hash instead, so a
changed file is a changed parameter.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile


def content_addressed_copy(path: str, pipeline_root: str) -> str:
    """Copy `path` to `<root>/_inputs/<name>-<sha256[:16]><ext>` (once) and return the copy's path."""
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    stem, ext = os.path.splitext(os.path.basename(path))
    folder = os.path.join(pipeline_root, "_inputs")
    dest = os.path.join(folder, f"{stem}-{digest}{ext}")
    if not os.path.exists(dest):
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".staging-")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)  # atomic: a reader never sees half a file
    return dest
