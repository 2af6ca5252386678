"""Open a spec file: its mapping with positions, and (for audits) only where its store is.

`parse_file` is the first step of `load_spec`. `locate_store` stops there and
validates the `pipeline` section alone, without building the models of the
whole spec: the audit commands answer in about a second, and work when the
rest of the spec no longer checks out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tfxkit.spec.errors import SpecError, SpecErrors
from tfxkit.spec.errors import dotted as dotted_path
from tfxkit.spec.paths import resolve_path
from tfxkit.spec.pipeline_section import PipelineSection
from tfxkit.spec.yaml_positions import Positions, YamlProblem, parse_with_positions, read_spec_text


@dataclass(frozen=True)
class StoreLocation:
    """Where a spec's pipeline keeps its metadata: all the audit commands need from a spec."""

    pipeline: str
    metadata: str | None  # the metadata URL, None for the default SQLite file under root
    root: str  # absolute
    base_dir: str


def locate_store(file: str | os.PathLike, overrides: dict[str, Any] | None = None) -> StoreLocation:
    """Read only the `pipeline` section of a spec (located errors as `load_spec`).

    Audits must work when the rest of the spec no longer checks out (the data
    file that is under suspicion may already be deleted), so nothing but the
    pipeline's name and store is validated.
    """
    path = Path(file)
    display = str(file)
    data, positions, lines = parse_file(path, display, overrides)
    try:
        section = PipelineSection.model_validate(data.get("pipeline"))
    except ValidationError as exc:
        from tfxkit.spec.load import _dedupe, _from_pydantic  # the full spec's error wording, on errors only

        errors = [_from_pydantic({**err, "loc": ("pipeline", *err["loc"])}, display, positions, data)
                  for err in exc.errors()]
        raise SpecErrors(_dedupe(errors), lines) from None
    base_dir = path.resolve().parent
    return StoreLocation(section.name, section.metadata, resolve_path(section.root, base_dir), str(base_dir))


def parse_file(path: Path, display: str, overrides: dict[str, Any] | None) -> tuple[dict, Positions, list[str]]:
    """The spec file's mapping (with overrides applied) and its positions; SpecErrors if it is not one."""
    try:
        text = read_spec_text(path)
    except FileNotFoundError:
        raise SpecErrors([SpecError(display, 1, 1, "", "spec file not found")]) from None
    except OSError as exc:
        raise SpecErrors([SpecError(display, 1, 1, "", f"cannot read spec file ({exc.__class__.__name__})")]) from None
    except YamlProblem as exc:  # too large, not UTF-8
        raise SpecErrors([SpecError(display, p.line, p.col, dotted_path(p.path), p.message) for p in exc.problems]) from None
    lines = text.splitlines()
    try:
        data, positions = parse_with_positions(text)
    except YamlProblem as exc:
        raise SpecErrors([SpecError(display, p.line, p.col, dotted_path(p.path), p.message) for p in exc.problems],
                         lines) from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise SpecErrors([SpecError(display, 1, 1, "", f"expected a mapping of sections, found {found}")], lines)
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    return data, positions, lines


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    node = data
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
