"""Load a spec file: parse YAML, validate against the models, check the world.

`load_spec` either returns a fully checked `LoadedSpec` or raises `SpecErrors`
holding every problem found, each pinned to a file position.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from pydantic import ValidationError

from tfxkit.config.checks import check_spec
from tfxkit.config.errors import SpecError, SpecErrors, dedupe, dotted
from tfxkit.config.locate import parse_file
from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.config.paths import PKG_SCHEME, resolve_path
from tfxkit.config.problem import Problem, ProblemKind
from tfxkit.config.pydantic_errors import (
    from_pydantic,
    merge_alternatives,
    misspelled_not_missing,
    value_at,
    written_part,
)
from tfxkit.config.spec import PipelineSpec
from tfxkit.config.yaml_positions import Positions

# Spec keys that hold file paths, written relative to the spec file.
_PATH_KEYS = (("pipeline", "root"), ("data", "path"), ("schema", "file"), ("transform", "module_file"),
              ("push", "destination"))


MAX_REPORTED = 200  # model errors listed for one file; a hostile file may hold thousands


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec plus what the runners need to know about its file."""

    spec: PipelineSpec
    file: Path
    positions: Positions

    @property
    def base_dir(self) -> Path:
        """Relative paths in the spec are relative to the folder holding it."""
        return self.file.parent

    def resolve(self, path: str) -> str:
        """An absolute path for a spec path (pkg:// handled by `paths`)."""
        return resolve_path(path, self.base_dir)

    def destinations(self) -> dict[str, str]:
        """push.destinations with absolute folders, in the spec's order ({} when the spec names none)."""
        return {name: self.resolve(folder) for name, folder in (self.spec.push.destinations or {}).items()}

    def resolved(self) -> dict[str, Any]:
        """The spec as it runs: defaults filled in, paths absolute, the metadata password hidden.

        This is what MLMD records and `tfxkit reproduce` writes back: a file that runs the same
        pipeline from any folder, and that never carries a database password into the store.
        """
        data = self.spec.model_dump(mode="json", by_alias=True)
        for section, key in _PATH_KEYS:
            value = (data.get(section) or {}).get(key)
            if isinstance(value, str) and not value.startswith(PKG_SCHEME):
                data[section][key] = self.resolve(value)
        if (data.get("push") or {}).get("destinations"):  # named push folders: relative like push.destination
            data["push"]["destinations"] = self.destinations()
        for entry in data.get("components") or []:  # a file reference runs from any folder once absolute
            file_part, sep, class_name = entry["class"].rpartition(":")
            if sep:
                entry["class"] = f"{self.resolve(file_part)}:{class_name}"
        url = self.spec.pipeline.metadata
        if url is not None:
            parsed = parse_metadata_url(url)
            data["pipeline"]["metadata"] = (
                f"sqlite:///{self.resolve(parsed.path)}" if parsed.scheme == "sqlite" else parsed.redacted()
            )
        return data

    def resolved_json(self) -> str:
        """`resolved()` as canonical JSON: equal specs give equal text."""
        return json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))

    def spec_hash(self) -> str:
        """Content hash of the resolved spec: equal specs give equal hashes."""
        return hashlib.sha256(self.resolved_json().encode()).hexdigest()[:16]


Check = Callable[["LoadedSpec"], Iterable[Problem]]


def load_spec(file: str | os.PathLike, overrides: dict[str, Any] | None = None, more_checks: Sequence[Check] = ()
              ) -> LoadedSpec:
    """Load, validate and check a spec file; raise SpecErrors listing every problem.

    `overrides` maps dotted key paths (e.g. "pipeline.root") to values applied
    after parsing, so CLI flags and tests can redirect a pipeline without
    editing its file. `more_checks` come from layers above this one (the
    planned DAG's wiring of custom components, `tfxkit.dag.plan`); their
    problems are reported in the same pass as the rest.
    """
    path = Path(file)
    display = str(file)
    data, positions, lines = parse_file(path, display, overrides)

    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        found = misspelled_not_missing(exc.errors())
        errors = [from_pydantic(err, display, positions, data) for err in found[:MAX_REPORTED]]
        if len(found) > MAX_REPORTED:  # a file of garbage: the first ones say enough, and stay fast
            next_one = from_pydantic(found[MAX_REPORTED], display, positions, data)
            errors.append(SpecError(display, next_one.line, next_one.col, "", f"{len(found) - MAX_REPORTED} more "
                                    f"problems from here on (only the first {MAX_REPORTED} are listed)"))
        else:
            errors += _check_rest(exc, data, path, positions, display, more_checks)
        raise SpecErrors(merge_alternatives(dedupe(errors)), lines) from None

    loaded = LoadedSpec(spec=spec, file=path.resolve(), positions=positions)
    problems = _checked(loaded, display, more_checks)
    if problems:
        raise SpecErrors(dedupe(problems), lines)
    return loaded


def _checked(loaded: LoadedSpec, display: str, more_checks: Sequence[Check] = ()) -> list[SpecError]:
    problems = check_spec(loaded.spec, loaded.base_dir)
    for check in more_checks:
        problems += list(check(loaded))
    return [
        problem if isinstance(problem, SpecError)  # already located, in another file (the schema)
        else _located(problem, display, loaded.positions)
        for problem in problems
    ]


def _located(problem: Problem, display: str, positions: Positions) -> SpecError:
    path, message, at_key, *kind = problem  # also a plain (path, message, at_key) tuple from a check above this layer
    line, col = positions.of_key(path) if at_key else positions.of_value(path)
    return SpecError(display, line, col, dotted(path), message, kind=kind[0] if kind else ProblemKind.SPEC)


def _check_rest(exc: ValidationError, data: dict, path: Path, positions: Positions, display: str,
                more_checks: Sequence[Check] = ()) -> list[SpecError]:
    """The file-system checks for a spec that failed validation, so that one pass reports a typo
    in one section and a wrong column in another: drop every invalid part (defaults apply) and,
    if what is left validates, check it. Nothing when a required key is missing or wrong."""
    rest = copy.deepcopy(data)
    for err in exc.errors():
        if err["type"] == "missing":
            return []
        target = written_part(data, tuple(err["loc"]))
        while target and isinstance(target[-1], int):  # drop a whole list, so indices stay true
            target = target[:-1]
        if not target:
            return []
        node = value_at(rest, target[:-1])
        if isinstance(node, dict):
            node.pop(target[-1], None)
    try:
        spec = PipelineSpec.model_validate(rest)
    except ValidationError:
        return []
    return _checked(LoadedSpec(spec=spec, file=path.resolve(), positions=positions), display, more_checks)
