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
    keep_runs: int | None = None  # pipeline.keep_runs: what `tfxkit gc` keeps by default


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
        from tfxkit.config.sections.pipeline import PipelineSection

        model = _validated(PipelineSection, "pipeline", section, display, positions, data, lines)
        plain = model.name, model.root, model.metadata, model.keep_runs
    name, root, metadata, keep_runs = plain
    base_dir = path.resolve().parent
    return StoreLocation(name, metadata, resolve_path(root, base_dir), str(base_dir), keep_runs)


def locate_destinations(file: str | os.PathLike, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """The spec's push.destinations, folders absolute, in order ({} when it names none); only the `push`
    section is validated (located errors as `load_spec`), for `promote`, which must work like an audit."""
    from tfxkit.config.sections.push import PushSection

    path = Path(file)
    data, positions, lines = parse_file(path, str(file), overrides)
    push = _validated(PushSection, "push", data.get("push") or {}, str(file), positions, data, lines)
    return {name: resolve_path(folder, path.resolve().parent) for name, folder in (push.destinations or {}).items()}


def _validated(model_class, name: str, section: object, display: str, positions: Positions, data: dict,
               lines: list[str]):
    """One section's model, or SpecErrors located and worded as the full spec's."""
    from pydantic import ValidationError

    try:
        return model_class.model_validate(section)
    except ValidationError as exc:
        from tfxkit.config.pydantic_errors import from_pydantic  # the full spec's error wording

        errors = [from_pydantic({**err, "loc": (name, *err["loc"])}, display, positions, data)
                  for err in exc.errors()]
        raise SpecErrors(dedupe(errors), lines) from None


_PLAIN_KEYS = {"name": str, "root": str, "metadata": str, "cache": bool, "beam_args": list}  # keep_runs: the model's


def _plain_section(section: object) -> tuple[str, str, str | None, None] | None:
    """(name, root, metadata, keep_runs) of an ordinary, valid pipeline section without building the pydantic model
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
    return section["name"], section["root"], metadata, None


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
