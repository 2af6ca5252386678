"""`tfxkit reproduce`: a recorded spec written back as a person would write it, and what changed since.

MLMD records the resolved spec (every default filled in, every unset key as null) so that its hash
pins the run. Written back verbatim that is a wall of nulls and defaults in alphabetical order; this
module keeps the sections in the spec model's order and leaves out nulls and values equal to their
defaults, which the spec model fills in again on load: the file loads to the same spec, same hash.
"""

from __future__ import annotations

import os
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from tfxkit.config.spec import PipelineSpec
from tfxkit.lineage.provenance import provenance
from tfxkit.metadata.facts import sha256_of
from tfxkit.metadata.store import Store


def as_written(resolved: dict[str, Any]) -> dict[str, Any]:
    """The recorded spec in section order, without nulls and without values equal to their defaults."""
    return _trimmed(resolved, PipelineSpec)


def changed_inputs(store: Store, pipeline: str, run_id: str) -> list[str]:
    """One line per input file (data, curated schema) whose content is not what the run read, or is gone.

    The spec names paths, not contents: running it again reads whatever is there now.
    """
    p = provenance(store, pipeline, run_id)
    files = list((p.get("examples") or {}).get("files") or [])
    schema_file = (p.get("schema") or {}).get("file")
    if schema_file:
        files.append(schema_file)
    lines = []
    for fact in files:
        path, recorded = fact["path"], fact["sha256"]
        if not os.path.isfile(path):
            lines.append(f"{path} is gone since run {run_id} read it: running this spec again will fail")
            continue
        now = sha256_of(path)
        if now != recorded:
            lines.append(f"{path} changed since run {run_id} read it (sha256 {recorded[:12]}... then, "
                         f"{now[:12]}... now): running this spec again reads other data")
    return lines


def _trimmed(value: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if value.get(key) is None:
            continue
        item = value[key]
        section, entries = _single_model(field.annotation), _entry_model(field.annotation)
        if section is not None and isinstance(item, dict):
            item = _trimmed(item, section)
            if item or field.is_required():
                out[key] = item
            continue
        if entries is not None and isinstance(item, dict):  # e.g. transform.features: name -> its settings
            item = {k: _trimmed(v, entries) if isinstance(v, dict) else v for k, v in item.items()}
        elif entries is not None and isinstance(item, list):  # e.g. components
            item = [_trimmed(v, entries) if isinstance(v, dict) else v for v in item]
        else:
            item = _without_nulls(item)
        if field.is_required() or item != _default(field):
            out[key] = item
    return out


def _single_model(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field typed as one model (or Optional of one); None for anything else."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = members[0] if len(members) == 1 else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _entry_model(annotation: Any) -> type[BaseModel] | None:
    """The model of each entry of a field typed as dict[str, Model] or list[Model]; None for anything else."""
    if typing.get_origin(annotation) in (dict, list):
        return _single_model(typing.get_args(annotation)[-1])
    return None


def _default(field: FieldInfo) -> Any:
    return _without_nulls(to_jsonable_python(field.get_default(call_default_factory=True), by_alias=True))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
