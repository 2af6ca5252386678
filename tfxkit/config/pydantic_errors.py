"""pydantic's validation errors as located spec errors, worded for the person who wrote the spec.

pydantic reports a location (with the union members it tried), an error type and
a context; a spec error is `file:line:col: key.path: what is wrong (expected ...)`
at the place the user wrote, one line per mistake. `tfxkit.config.load` (the whole
spec) and `tfxkit.config.locate` (the pipeline section alone) both word errors here.
"""

from __future__ import annotations

import re
from typing import Any

from tfxkit.config.did_you_mean import closest, did_you_mean
from tfxkit.config.errors import SpecError, dotted
from tfxkit.config.visible import without_invisible
from tfxkit.config.yaml_positions import Positions


def misspelled_not_missing(errors: list[dict]) -> list[dict]:
    """One mistake, one line: a required key reported missing beside an unknown key that is its
    misspelling (`decay_step` for `decay_steps`, `la\u200bbel` for `label`) is left to the latter."""
    unknown: dict[tuple, list[str]] = {}
    for err in errors:
        if err["type"] == "extra_forbidden":
            unknown.setdefault(tuple(err["loc"][:-1]), []).append(without_invisible(str(err["loc"][-1])))
    return [err for err in errors if not (
        err["type"] == "missing"
        and closest(str(err["loc"][-1]), unknown.get(tuple(err["loc"][:-1]), [])))]


_EXPECTED = re.compile(r"^expected (.+), got (.+)$")


def merge_alternatives(errors: list[SpecError]) -> list[SpecError]:
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


def written_part(data: Any, loc: tuple) -> tuple:
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


def value_at(data: Any, loc: tuple) -> Any:
    """The value at `loc` in the parsed spec, None when it is not there."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def from_pydantic(err: dict, file: str, positions: Positions, data: dict) -> SpecError:
    """One pydantic error as a spec error at the place the user wrote (`data` is the parsed spec)."""
    from tfxkit.config.union_paths import shown_value, unknown_key_message  # error paths only

    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        written = written_part(data, loc)
        return SpecError(file, *positions.of_key(written), dotted(written), unknown_key_message(loc))
    if kind == "missing":
        loc = written_part(data, loc[:-1]) + loc[-1:]
        return SpecError(file, *positions.of_key(loc[:-1]), dotted(loc), "missing required key")
    if loc and loc[-1] == "[key]":  # a dict key that is not allowed: point at the key
        loc = written_part(data, loc[:-1])
        return SpecError(file, *positions.of_key(loc), dotted(loc), f"{loc[-1]!r} is not allowed "
                         f"({_literal_hint(loc[-1], ctx.get('expected', ''))})")
    loc = written_part(data, loc)
    if kind == "union_tag_invalid":
        loc += (ctx.get("discriminator", "").strip("'"),)
    line, col = positions.of_value(loc)
    got = value_at(data, loc)
    shown = shown_value(got)
    messages = {
        "literal_error": lambda: f"{shown} is not allowed ({_literal_hint(got, ctx.get('expected', ''))})",
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
    return SpecError(file, line, col, dotted(loc), message)


def _literal_hint(value: Any, expected: str) -> str:
    """'did you mean 'x'?' for a near miss among pydantic's expected literals, else 'expected ...'."""
    if not isinstance(value, str):
        return f"expected {expected}"
    return did_you_mean(value, re.findall(r"'([^']*)'", expected), f"expected {expected}")
