"""The YAML loader for specs: libyaml's events, composed under limits that refuse hostile input.

The composer counts every value (an alias as the size of what it names), the
depth, and aliases that contain themselves, and notes every tag that is not a
core tag of its node's kind; `tfxkit.config.yaml_positions` builds plain data
from its nodes and reports those tags where they are written.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

from tfxkit.config.visible import visible
from tfxkit.config.yaml_problem import YamlProblem

try:  # libyaml's parser: the same events, produced in C
    from yaml._yaml import CParser as _EventSource

    LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    LIBYAML = False
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _EventSource(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


MAX_VALUES = 20_000  # keys, values and list items after alias expansion; penguin.yaml has about 80
MAX_DEPTH = 64  # a spec nests about 5 deep

CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = {CORE + name for name in ("str", "int", "float", "bool", "null")}
ALLOWED_TAGS = {
    yaml.ScalarNode: SCALAR_TAGS | {"!"},
    yaml.SequenceNode: {CORE + "seq", "!"},
    yaml.MappingNode: {CORE + "map", "!"},
}
KIND = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}
MERGE = CORE + "merge"


def mark(node_or_event: Any) -> tuple[int, int]:
    """Where a node or event starts, 1-based (line, col), as every message says it."""
    return node_or_event.start_mark.line + 1, node_or_event.start_mark.column + 1


class LimitedComposer(Composer):
    """PyYAML's composer plus the limits: depth, expanded size, recursive aliases, tags."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._total = 0  # values composed so far, each alias counted as the size of what it names
        self._sizes: dict[int, int] = {}  # id(node) -> its size with aliases expanded
        self.bad_tags: dict[int, tuple[str, tuple[int, int]]] = {}  # id(node) -> (tag, where written)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    raise YamlProblem(*mark(event), f"alias *{visible(event.anchor)} refers to a node that "
                                      "contains it (expected an alias to a node that ends before it)")
                self._count(size, event, f"alias *{visible(event.anchor)} expands the spec to more than "
                            f"{MAX_VALUES} values (expected at most {MAX_VALUES}; aliases that repeat "
                            "content over and over are refused)")
            return super().compose_node(parent, index)
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlProblem(*mark(event), f"nested more than {MAX_DEPTH} levels deep "
                              f"(expected at most {MAX_DEPTH})")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes[id(item)] for item in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        self._count(1, event, f"the spec has more than {MAX_VALUES} values (expected at most {MAX_VALUES})")
        if tag is not None and tag not in ALLOWED_TAGS[type(node)]:
            self.bad_tags[id(node)] = (tag, mark(event))
        return node

    def _count(self, size: int, event: Any, message: str) -> None:
        self._total += size
        if self._total > MAX_VALUES:
            raise YamlProblem(*mark(event), message)


class Loader(LimitedComposer, _EventSource, SafeConstructor, Resolver):
    """Events (libyaml when available) -> nodes (our composer); the constructor only for core scalars."""

    def __init__(self, text: str):
        _EventSource.__init__(self, text)
        LimitedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
