"""YAML parsing that remembers where every key and value came from.

PyYAML's composer keeps start marks on every node; we build plain Python data
from the node tree and, beside it, a map from key paths to (line, col) so that
any later error can point at the exact place in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple  # tuple[str | int, ...]


@dataclass
class Positions:
    """1-based (line, col) of each key and each value, by path."""

    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of_key(self, path: Path) -> tuple[int, int]:
        """Where the key at `path` is written, else its nearest written ancestor."""
        return self._nearest(path, prefer_keys=True)

    def of_value(self, path: Path) -> tuple[int, int]:
        """Where the value at `path` is written, else its nearest written ancestor."""
        return self._nearest(path, prefer_keys=False)

    def _nearest(self, path: Path, prefer_keys: bool) -> tuple[int, int]:
        path = tuple(path)
        while path:
            first, second = (self.keys, self.values) if prefer_keys else (self.values, self.keys)
            if path in first:
                return first[path]
            if path in second:
                return second[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


class YamlProblem(Exception):
    """A syntax or structure error in the YAML itself, with its position."""

    def __init__(self, line: int, col: int, message: str):
        self.line, self.col, self.message = line, col, message
        super().__init__(f"{line}:{col}: {message}")


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def parse_with_positions(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document into plain data plus the positions of its parts."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc}"
        start = exc.context_mark
        if (start and exc.problem_mark and start.line < exc.problem_mark.line and exc.context
                and exc.context.startswith(("while scanning a quoted scalar", "while parsing a flow"))):
            # An unclosed quote or bracket is noticed lines later (often at the end of the
            # file); point at where it opens, which is where the mistake is.
            message += f" at line {line}, column {col} ({exc.context} that starts here)"
            line, col = start.line + 1, start.column + 1
        raise YamlProblem(line, col, message) from None
    positions = Positions()
    if node is None:
        return None, positions
    constructor = yaml.SafeLoader("")
    return _build(node, (), positions, constructor), positions


def _build(node: yaml.Node, path: Path, positions: Positions, constructor: yaml.SafeLoader) -> Any:
    positions.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(*_mark(key_node), "mapping keys must be plain strings")
            key = constructor.construct_object(key_node)
            if key in out:
                raise YamlProblem(*_mark(key_node), f"duplicate key '{key}'")
            key_str = key if isinstance(key, str) else str(key)
            positions.keys[path + (key_str,)] = _mark(key_node)
            out[key_str] = _build(value_node, path + (key_str,), positions, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), positions, constructor) for i, item in enumerate(node.value)]
    return constructor.construct_object(node)
