"""Load a spec file: parse YAML, validate against the models, check the world.

`load_spec` either returns a fully checked `LoadedSpec` or raises `SpecErrors`
holding every problem found, each pinned to a file position.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from pydantic import ValidationError

from tfxkit.config.checks import check_spec
from tfxkit.config.errors import ProblemKind, SpecError, SpecErrors
from tfxkit.config.locate import parse_file
from tfxkit.config.models import PipelineSpec
from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.config.paths import PKG_SCHEME, resolve_path
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


Check = Callable[["LoadedSpec"], Iterable[tuple[tuple, str, bool]]]


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
        found = _misspelled_not_missing(exc.errors())
        errors = [_from_pydantic(err, display, positions, data) for err in found[:MAX_REPORTED]]
        if len(found) > MAX_REPORTED:  # a file of garbage: the first ones say enough, and stay fast
            next_one = _from_pydantic(found[MAX_REPORTED], display, positions, data)
            errors.append(SpecError(display, next_one.line, next_one.col, "", f"{len(found) - MAX_REPORTED} more "
                                    f"problems from here on (only the first {MAX_REPORTED} are listed)"))
        else:
            errors += _check_rest(exc, data, path, positions, display, more_checks)
        raise SpecErrors(_merge_alternatives(_dedupe(errors)), lines) from None

    loaded = LoadedSpec(spec=spec, file=path.resolve(), positions=positions)
    problems = _checked(loaded, display, more_checks)
    if problems:
        raise SpecErrors(_dedupe(problems), lines)
    return loaded


def _misspelled_not_missing(errors: list[dict]) -> list[dict]:
    """One mistake, one line: a required key reported missing beside an unknown key that is its
    misspelling (`decay_step` for `decay_steps`, `la\u200bbel` for `label`) is left to the latter."""
    from tfxkit.config.visible import without_invisible

    unknown: dict[tuple, list[str]] = {}
    for err in errors:
        if err["type"] == "extra_forbidden":
            unknown.setdefault(tuple(err["loc"][:-1]), []).append(without_invisible(str(err["loc"][-1])))
    return [err for err in errors if not (
        err["type"] == "missing"
        and difflib.get_close_matches(str(err["loc"][-1]), unknown.get(tuple(err["loc"][:-1]), []), n=1, cutoff=0.6))]


def _checked(loaded: LoadedSpec, display: str, more_checks: Sequence[Check] = ()) -> list[SpecError]:
    positions = loaded.positions
    problems = list(check_spec(loaded))
    for check in more_checks:
        problems += list(check(loaded))
    return [
        problem if isinstance(problem, SpecError)  # already located, in another file (the schema)
        else SpecError(display, *(positions.of_key(problem[0]) if problem[2] else positions.of_value(problem[0])),
                       _dotted(problem[0]), problem[1], kind=problem[3] if len(problem) > 3 else ProblemKind.SPEC)
        for problem in problems
    ]


def _check_rest(exc: ValidationError, data: dict, path: Path, positions: Positions, display: str,
                more_checks: Sequence[Check] = ()) -> list[SpecError]:
    """The file-system checks for a spec that failed validation, so that one pass reports a typo
    in one section and a wrong column in another: drop every invalid part (defaults apply) and,
    if what is left validates, check it. Nothing when a required key is missing or wrong."""
    rest = copy.deepcopy(data)
    for err in exc.errors():
        if err["type"] == "missing":
            return []
        target = _written(data, tuple(err["loc"]))
        while target and isinstance(target[-1], int):  # drop a whole list, so indices stay true
            target = target[:-1]
        if not target:
            return []
        node = _value_at(rest, target[:-1])
        if isinstance(node, dict):
            node.pop(target[-1], None)
    try:
        spec = PipelineSpec.model_validate(rest)
    except ValidationError:
        return []
    return _checked(LoadedSpec(spec=spec, file=path.resolve(), positions=positions), display, more_checks)


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _dedupe(errors: list[SpecError]) -> list[SpecError]:
    seen, out = set(), []
    for err in errors:
        if str(err) not in seen:
            seen.add(str(err))
            out.append(err)
    return out


_EXPECTED = re.compile(r"^expected (.+), got (.+)$")


def _merge_alternatives(errors: list[SpecError]) -> list[SpecError]:
    """One error per place for a value that fits no member of a union (e.g. fill_value: [1]):
    'expected a number, got a list' + 'expected a string, got a list' -> 'expected a number or a string, ...'."""
    groups: dict[tuple, list[SpecError]] = {}
    for err in errors:
        match = _EXPECTED.match(err.message)
        key = (err.file, err.line, err.col, err.path, match.group(2)) if match else (id(err),)
        groups.setdefault(key, []).append(err)
    out = []
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        wanted = [_EXPECTED.match(e.message).group(1) for e in group]
        joined = ", ".join(wanted[:-1]) + " or " + wanted[-1]
        out.append(SpecError(group[0].file, group[0].line, group[0].col, group[0].path,
                             f"expected {joined}, got {_EXPECTED.match(group[0].message).group(2)}"))
    return out


def _written(data: Any, loc: tuple) -> tuple:
    """The part of `loc` that the spec actually contains: drops the parts pydantic adds
    that the user never wrote (union member tags like 'float', a schedule's name such as
    'cosine' or the default 'constant', the 'transform' key of a short-form feature such
    as `fare: zscroe`)."""
    from tfxkit.config.union_paths import is_union_tag  # error paths only: valid specs never need it

    out: tuple = ()
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and is_union_tag(part):
            continue  # e.g. 'cosine' for {schedule: cosine}, 'float' for a number-or-string value
        else:
            return out
        out += (part,)
    return out


def _value_at(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _from_pydantic(err: dict, file: str, positions: Positions, data: dict) -> SpecError:
    from tfxkit.config.union_paths import shown_value, unknown_key_message

    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        written = _written(data, loc)
        return SpecError(file, *positions.of_key(written), _dotted(written), unknown_key_message(loc))
    if kind == "missing":
        loc = _written(data, loc[:-1]) + loc[-1:]
        return SpecError(file, *positions.of_key(loc[:-1]), _dotted(loc), "missing required key")
    if loc and loc[-1] == "[key]":  # a dict key that is not allowed: point at the key
        loc = _written(data, loc[:-1])
        return SpecError(file, *positions.of_key(loc), _dotted(loc), f"{loc[-1]!r} is not allowed "
                         f"({_did_you_mean(loc[-1], ctx.get('expected', ''))})")
    loc = _written(data, loc)
    if kind == "union_tag_invalid":
        loc += (ctx.get("discriminator", "").strip("'"),)
    line, col = positions.of_value(loc)
    got = _value_at(data, loc)
    shown = shown_value(got)
    messages = {
        "literal_error": lambda: f"{shown} is not allowed ({_did_you_mean(got, ctx.get('expected', ''))})",
        "int_type": lambda: f"expected an integer, got {shown}",
        "int_parsing": lambda: f"expected an integer, got {shown}",
        "int_from_float": lambda: f"expected an integer, got {shown}",
        "float_type": lambda: f"expected a number, got {shown}",
        "float_parsing": lambda: f"expected a number, got {shown}",
        "bool_type": lambda: f"expected true or false, got {shown}",
        "bool_parsing": lambda: f"expected true or false, got {shown}",
        "string_type": lambda: f"expected a string, got {shown}",
        "list_type": lambda: f"expected a list, got {shown}",
        "dict_type": lambda: f"expected a mapping, got {shown}",
        "model_type": lambda: f"expected a mapping, got {shown}",
        "model_attributes_type": lambda: f"expected a mapping, got {shown}",
        "greater_than_equal": lambda: f"{shown} is too small (expected >= {ctx.get('ge')})",
        "greater_than": lambda: f"{shown} is too small (expected > {ctx.get('gt')})",
        "less_than_equal": lambda: f"{shown} is too large (expected <= {ctx.get('le')})",
        "less_than": lambda: f"{shown} is too large (expected < {ctx.get('lt')})",
        "too_short": lambda: f"too few items (expected at least {ctx.get('min_length')})",
        "string_pattern_mismatch": lambda: f"{shown} is not a valid name (expected letters, digits, '_' or '-', "
        "starting with a letter)",
        "value_error": lambda: str(ctx.get("error", err["msg"])),
        "union_tag_invalid": lambda: f"{ctx.get('tag')!r} is not allowed (expected {ctx.get('expected_tags')})",
        "union_tag_not_found": lambda: f"missing {ctx.get('discriminator')}",
    }
    make = messages.get(kind)
    message = make() if make else f"{err['msg']} (got {shown})"
    return SpecError(file, line, col, _dotted(loc), message)


def _did_you_mean(value: Any, expected: str) -> str:
    """'did you mean 'x'?' for a near miss among pydantic's expected literals, else 'expected ...'."""
    choices = re.findall(r"'([^']*)'", expected)
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6) if isinstance(value, str) else []
    return f"did you mean '{close[0]}'?" if close else f"expected {expected}"
