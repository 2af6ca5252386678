"""Open a spec file: its mapping with positions, and (for audits) only where its store is.

`parse_file` is the first step of `load_spec`. `locate_store` stops there and
validates the `pipeline` section alone, without building the models of the
whole spec: the audit commands answer in about a second, and work when the
rest of the spec no longer checks out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfxkit.config.errors import SpecError, SpecErrors, dedupe
from tfxkit.config.errors import dotted as dotted_path
from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.config.names import PIPELINE_NAME
from tfxkit.config.paths import resolve_path
from tfxkit.config.yaml_positions import Positions, parse_with_positions, read_spec_text
from tfxkit.config.yaml_problem import YamlProblem


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
    section = data.get("pipeline")
    plain = _plain_section(section)
    if plain is None:  # anything unusual: the model's validation, for its located error
        from pydantic import ValidationError

        from tfxkit.config.sections.pipeline import PipelineSection

        try:
            model = PipelineSection.model_validate(section)
        except ValidationError as exc:
            from tfxkit.config.pydantic_errors import from_pydantic  # the full spec's error wording

            errors = [from_pydantic({**err, "loc": ("pipeline", *err["loc"])}, display, positions, data)
                      for err in exc.errors()]
            raise SpecErrors(dedupe(errors), lines) from None
        plain = model.name, model.root, model.metadata
    name, root, metadata = plain
    base_dir = path.resolve().parent
    return StoreLocation(name, metadata, resolve_path(root, base_dir), str(base_dir))


_PLAIN_KEYS = {"name": str, "root": str, "metadata": str, "cache": bool, "beam_args": list}


def _plain_section(section: object) -> tuple[str, str, str | None] | None:
    """(name, root, metadata) of an ordinary, valid pipeline section without building the pydantic model
    (a third of an audit's start-up); None for anything else, which the model then checks."""
    if not isinstance(section, dict) or not {"name", "root"} <= set(section):
        return None
    for key, value in section.items():
        if key not in _PLAIN_KEYS or not (isinstance(value, _PLAIN_KEYS[key]) or key == "metadata" and value is None):
            return None
    if not re.match(PIPELINE_NAME, section["name"]):
        return None
    metadata = section.get("metadata")
    if metadata is not None:
        try:
            parse_metadata_url(metadata)
        except ValueError:
            return None
    return section["name"], section["root"], metadata


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
