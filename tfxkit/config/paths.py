"""Spec paths: relative to the spec file, globs, and data shipped in packages.

`pkg://palmerpenguins/data/penguins.csv` names a file inside an installed
package, so example pipelines run offline on any machine without copying data
into the repository. The package is located, never imported.
"""

from __future__ import annotations

import glob
import importlib.util
import os
from pathlib import Path

from tfxkit.config.spans import as_glob, has_span_spec

PKG_SCHEME = "pkg://"
DATA_EXTENSIONS = {".csv": "csv", ".tfrecord": "tfrecord", ".tfrecords": "tfrecord", ".gz": "tfrecord",
                   ".parquet": "parquet", ".avro": "avro"}


def resolve_path(path: str, base_dir: Path) -> str:
    """An absolute path for `path`: pkg:// resolved, relative paths against base_dir."""
    if path.startswith(PKG_SCHEME):
        package, _, rest = path[len(PKG_SCHEME):].partition("/")
        found = importlib.util.find_spec(package) if package.isidentifier() else None
        if found is None or not found.submodule_search_locations:
            raise FileNotFoundError(f"package '{package}' is not installed")
        return os.path.join(list(found.submodule_search_locations)[0], rest)
    expanded = os.path.expanduser(path)
    return expanded if os.path.isabs(expanded) else os.path.normpath(os.path.join(base_dir, expanded))


def data_files(resolved: str) -> list[str]:
    """The data files a resolved data path names: one file, a folder's files, a glob, or every span's."""
    if has_span_spec(resolved):
        return sorted(p for p in glob.glob(as_glob(resolved)) if os.path.isfile(p))
    if os.path.isdir(resolved):
        return sorted(
            str(p) for p in Path(resolved).iterdir() if p.is_file() and not p.name.startswith((".", "_"))
        )
    if any(ch in resolved for ch in "*?["):
        return sorted(p for p in glob.glob(resolved) if os.path.isfile(p))
    return [resolved] if os.path.isfile(resolved) else []


def split_input(resolved: str) -> tuple[str, str]:
    """ExampleGen's (input_base, pattern) for a resolved file, folder or glob."""
    if os.path.isdir(resolved):
        return resolved, "*"
    base, pattern = os.path.split(resolved)
    while any(ch in base for ch in "*?[") or has_span_spec(base):
        base, head = os.path.split(base)
        pattern = os.path.join(head, pattern)
    return base, pattern


def guess_format(files: list[str]) -> str | None:
    """csv, tfrecord, parquet or avro from the first file's extension, else None."""
    for name in files[:1]:
        return DATA_EXTENSIONS.get(Path(name).suffix.lower())
    return None
