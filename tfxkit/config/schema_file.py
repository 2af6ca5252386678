"""A curated schema file, parsed at validate time as ImportSchemaGen will read it.

ImportSchemaGen parses the file with protobuf's text_format into
tensorflow_metadata's Schema proto; a truncated file, JSON or garbage would
pass `validate` and fail minutes later. Parsing it here takes the same two
modules (tensorflow_metadata's generated protos and protobuf, no TensorFlow)
and reports the schema file's own line and column.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Optional

MAX_SCHEMA_BYTES = 16 * 1024 * 1024
_CACHE_VERSION = 1  # bump when what is cached, or how a schema is checked, changes
_LOCATION = re.compile(r"^\d+(?::\d+)?\s*:\s*")


@dataclass(frozen=True)
class SchemaProblem:
    line: int
    col: int
    message: str


@dataclass(frozen=True)
class SchemaLook:
    features: Optional[list[str]]  # feature names, None when the file is not a valid schema
    problem: Optional[SchemaProblem] = None


def read_schema(path: str) -> SchemaLook:
    """The feature names a text-format Schema declares, or where and why it does not parse."""
    try:
        size = os.path.getsize(path)
        if size > MAX_SCHEMA_BYTES:
            return SchemaLook(None, SchemaProblem(1, 1, f"schema file is too large: {size} bytes "
                                                  f"(expected at most {MAX_SCHEMA_BYTES})"))
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return SchemaLook(None, SchemaProblem(1, 1, f"cannot read schema file ({exc.strerror or exc})"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        return SchemaLook(None, SchemaProblem(line, col, f"byte 0x{data[exc.start]:02x} is not valid UTF-8 "
                                              "(expected a text-format tensorflow_metadata Schema)"))

    key = hashlib.sha256(data + _proto_stamp()).hexdigest()
    cached = _cached(key)
    if cached is not None:  # this exact content parsed before: skip protobuf's import (~0.15-0.4 s)
        return SchemaLook(cached)
    look = _parse(text)
    if look.features is not None:
        _remember(key, look.features)
    return look


def _parse(text: str) -> SchemaLook:
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    try:
        text_format.Parse(text, schema)
    except text_format.ParseError as exc:
        line, col = exc.GetLine() or 1, exc.GetColumn() or 1
        message = _LOCATION.sub("", str(exc)).rstrip(".")
        quoted = _quoted_line(message, text)  # protobuf starts with the line it stopped on, quoted: drop it
        message = message[len(quoted):] if quoted else message
        return SchemaLook(None, SchemaProblem(line, col, f"not a valid schema: {message} "
                                              "(expected a text-format tensorflow_metadata Schema)"))
    except RecursionError:
        return SchemaLook(None, SchemaProblem(1, 1, "not a valid schema: nested too deeply"))
    names = [feature.name for feature in schema.feature]
    names += [sparse.name for sparse in schema.sparse_feature]
    if not names:
        return SchemaLook(None, SchemaProblem(1, 1, "the schema declares no features "
                                              "(expected feature { name: ... type: ... } entries)"))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            line, col = _where_second(text, name)
            return SchemaLook(None, SchemaProblem(line, col, f"feature '{name}' is declared twice "
                                                  "(expected each feature once)"))
        seen.add(name)
    return SchemaLook(names)


def _proto_stamp() -> bytes:
    """Which Schema proto checked it (size and time of the installed schema_pb2.py), found
    without importing anything: another tensorflow_metadata re-checks every schema."""
    import importlib.util

    found = importlib.util.find_spec("tensorflow_metadata")
    try:
        stat = os.stat(os.path.join(list(found.submodule_search_locations)[0], "proto", "v0", "schema_pb2.py"))
    except (AttributeError, TypeError, IndexError, OSError):
        return b"unknown"
    return f"|{stat.st_size}|{stat.st_mtime_ns}".encode()


def _cache_dir() -> Optional[str]:
    """Where valid schemas' feature names are kept by content hash: $TFXKIT_CACHE_DIR, else
    $XDG_CACHE_HOME/tfxkit or ~/.cache/tfxkit; TFXKIT_CACHE_DIR='' turns the cache off."""
    root = os.environ.get("TFXKIT_CACHE_DIR")
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "tfxkit")
    return os.path.join(root, f"schema-v{_CACHE_VERSION}") if root else None


def _cached(key: str) -> Optional[list[str]]:
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, key + ".json"), encoding="utf-8") as fh:
            names = json.load(fh)
    except (OSError, ValueError):
        return None
    return names if isinstance(names, list) and names and all(isinstance(n, str) for n in names) else None


def _remember(key: str, names: list[str]) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    try:  # write then rename: a reader never sees half a file
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(names, fh)
        os.replace(tmp, os.path.join(folder, key + ".json"))
    except OSError:
        pass  # a read-only home: no cache, same answers


def _quoted_line(message: str, text: str) -> str:
    return next((f"'{line}': " for line in [*text.splitlines(), ""] if message.startswith(f"'{line}': ")), "")


def _where_second(text: str, name: str) -> tuple[int, int]:
    hits = [m.start() for m in re.finditer(r'name:\s*"' + re.escape(name) + '"', text)]
    index = hits[1] if len(hits) > 1 else (hits[0] if hits else 0)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
