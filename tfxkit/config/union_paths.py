"""Key paths and key lists through the spec's unions, as the user wrote them.

pydantic's error locations name the union member it tried: a schedule's tag
(`trainer.learning_rate.cosine.decay_steps`), a type (`fill_value.float`) or a
class. A user never wrote those, so messages drop them (`is_union_tag`), and the
keys a mapping accepts are those of the member that was chosen, not an empty
list (`unknown_key_message`). Everything is read from the models, so a union
added later is handled without listing it here.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Optional

from pydantic import BaseModel

from tfxkit.config.did_you_mean import closest
from tfxkit.config.spec import PipelineSpec
from tfxkit.config.visible import invisible_chars, without_invisible

_PRIMITIVE_TAGS = {"str", "int", "float", "bool", "none", "bytes"}


def _strip(annotation: Any) -> Any:
    """Annotated[X, ...] -> X."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _union_members(annotation: Any) -> list | None:
    """The members of a Union (None left out), or None if `annotation` is not a union."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [_strip(a) for a in typing.get_args(annotation) if a is not type(None)]
    return None


def _tags_of(model: type[BaseModel]) -> dict[str, str]:
    """A union member's own tags: field name -> value of each single-valued Literal field
    (e.g. {'schedule': 'cosine'} for CosineSchedule)."""
    out = {}
    for name, info in model.model_fields.items():
        annotation = _strip(info.annotation)
        if typing.get_origin(annotation) is typing.Literal and len(typing.get_args(annotation)) == 1:
            out[info.alias or name] = str(typing.get_args(annotation)[0])
    return out


def _member_for(members: list, part: Any) -> Optional[type[BaseModel]]:
    for member in members:
        if _is_model(member) and (member.__name__ == part or part in _tags_of(member).values()):
            return member
    return None


@functools.lru_cache(maxsize=1)
def _all_union_tags() -> frozenset[str]:
    tags: set[str] = set(_PRIMITIVE_TAGS)
    seen: set[type] = set()

    def visit(annotation: Any) -> None:
        annotation = _strip(annotation)
        members = _union_members(annotation)
        if members is not None:
            if len(members) > 1:
                for member in members:
                    if _is_model(member):
                        tags.add(member.__name__)
                        tags.update(_tags_of(member).values())
            for member in members:
                visit(member)
        elif typing.get_origin(annotation) in (list, dict, tuple, set):
            for arg in typing.get_args(annotation):
                visit(arg)
        elif _is_model(annotation) and annotation not in seen:
            seen.add(annotation)
            for info in annotation.model_fields.values():
                visit(info.annotation)

    visit(PipelineSpec)
    return frozenset(tags)


def is_union_tag(part: str) -> bool:
    """Whether a part of a pydantic location names a union member (never a key the user wrote)."""
    return part in _all_union_tags() or "[" in part


def _model_at(loc: tuple) -> tuple[Optional[type[BaseModel]], Optional[tuple[str, str, list]]]:
    """The model a pydantic location points into, and, when a union member was chosen by its
    tag, (tag field, tag value, the union's members)."""
    annotation: Any = PipelineSpec
    chosen = None
    parts = list(loc)
    while True:
        annotation = _strip(annotation)
        members = _union_members(annotation)
        if members is not None:
            models = [m for m in members if _is_model(m)]
            member = _member_for(members, parts[0]) if parts else None
            if member is not None:
                part = parts.pop(0)
                field = next((f for f, v in _tags_of(member).items() if v == part), None)
                chosen = (field, part, models) if field else None
                annotation = member
                continue
            if len(members) == 1 or len(models) == 1:
                annotation = models[0] if models else members[0]
                continue
            return None, None
        if not parts:
            return (annotation, chosen) if _is_model(annotation) else (None, None)
        part = parts.pop(0)
        origin = typing.get_origin(annotation)
        if origin is list and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        elif _is_model(annotation):
            info = next((f for name, f in annotation.model_fields.items() if part in (f.alias, name)), None)
            if info is None:
                return None, None
            annotation, chosen = info.annotation, None
        else:
            return None, None


def allowed_keys(loc: tuple) -> list[str]:
    """Keys the model at the pydantic location `loc` accepts (by alias)."""
    model, _ = _model_at(loc)
    return [f.alias or name for name, f in model.model_fields.items()] if model else []


def unknown_key_message(loc: tuple) -> str:
    """'unknown key (...)' for the key at the end of a pydantic location: did-you-mean, the keys
    allowed there (never an empty list), invisible characters named, and, inside a tagged union,
    which member the key belongs to."""
    key = str(loc[-1])
    model, chosen = _model_at(loc[:-1])
    allowed = [f.alias or name for name, f in model.model_fields.items()] if model else []
    context = f" for {chosen[0]} '{chosen[1]}'" if chosen else ""
    hints = []
    hidden = invisible_chars(key)
    if hidden:
        hints.append(f"it contains the invisible character{'s' if len(hidden) > 1 else ''} {', '.join(hidden)}")
    target = without_invisible(key) if hidden else key
    elsewhere = []
    if chosen:
        field, _, members = chosen
        elsewhere = [_tags_of(m)[field] for m in members
                     if field in _tags_of(m) and any(target in (f.alias, n) for n, f in m.model_fields.items())]
    close = closest(target, allowed) if not elsewhere else None
    if close:
        hints.append(f"did you mean '{close}'?")
    else:
        if elsewhere:
            hints.append(f"'{target}' belongs to {chosen[0]} {_or(elsewhere)}")
        if allowed:
            hints.append(f"expected one of: {', '.join(allowed)}")
    return f"unknown key{context} ({'; '.join(hints)})" if hints else f"unknown key{context}"


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def shown_value(value: Any) -> str:
    """A value as error messages quote it: short, and a mapping or list by its kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    if len(text) > 64:
        text = text[:60] + ("...'" if isinstance(value, str) else "...")
    return text
