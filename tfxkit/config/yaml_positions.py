"""YAML parsing that remembers where every key and value came from, and refuses hostile input.

PyYAML's composer keeps start marks on every node; we build plain Python data
from the node tree and, beside it, a map from key paths to (line, col) so that
any later error can point at the exact place in the file.

A spec is review input and must never hang the tool or run anything, so the
reader and composer here are stricter than YAML itself:

- the file must be UTF-8 and printable (undecodable bytes and control
  characters are reported where they are, with the key path that holds them);
- the file is at most MAX_FILE_BYTES, nested at most MAX_DEPTH deep, and with
  its aliases expanded holds at most MAX_VALUES values: the "billion laughs"
  shape (aliases of aliases) is refused at the alias that crosses the limit,
  before anything is expanded;
- only the core tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map) may
  be written, each on a node of its kind; no tag ever constructs an object;
- timestamps and the like stay the strings they were written as.

The limits and tags are enforced while composing (`tfxkit.config.yaml_loader`),
the characters and the encoding here. Events come from libyaml when PyYAML has
it (ten times faster than the pure Python parser on large files); syntax errors
are worded by the pure Python parser, which gives the clearer messages.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from tfxkit.config.visible import escape_char, visible
from tfxkit.config.yaml_loader import ALLOWED_TAGS, CORE, KIND, LIBYAML, MERGE, SCALAR_TAGS, Loader, mark
from tfxkit.config.yaml_problem import YamlProblem, YamlProblems

Path = tuple  # tuple[str | int, ...]

MAX_FILE_BYTES = 256 * 1024  # a large spec is a few kB
MAX_REPORTED_LINES = 10  # unreadable characters: at most this many lines reported, then a count

# What YAML's reader accepts (YAML 1.1 c-printable); anything else is reported, not parsed.
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_IN_VALUE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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


def read_spec_text(path: str | os.PathLike) -> str:
    """A spec file's text: UTF-8 and not too large, else YamlProblem (located).

    Undecodable bytes are kept (as surrogate escapes) so that `parse_with_positions`
    can report each where it is, with the key that holds it. OSError (no such file,
    a folder) is the caller's to report.
    """
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        size = os.path.getsize(path) if os.path.isfile(path) else None
        shown = f"{size} bytes" if size else f"more than {MAX_FILE_BYTES} bytes"
        raise YamlProblem(1, 1, f"spec file is too large: {shown} (expected at most {MAX_FILE_BYTES} bytes)")
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise YamlProblem(1, 1, f"the file is {name} encoded (expected UTF-8 text)")
    if data and data.count(b"\0") * 4 > len(data):
        raise YamlProblem(1, 1, "the file is not UTF-8 text: a quarter of its bytes are NUL "
                          "(UTF-16 or binary?) (expected UTF-8 text)")
    text = data.decode("utf-8", errors="surrogateescape")
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as Python's universal newlines read it


def parse_with_positions(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document into plain data plus the positions of its parts."""
    unreadable = list(_UNPRINTABLE.finditer(text))
    if unreadable:
        raise YamlProblems(_unreadable_problems(text, unreadable))
    return _parse(text)


def parse_value(text: str) -> Any:
    """One value written on a command line (`--set key=VALUE`) under the same rules as a spec file:
    no tags, no control characters, no alias bombs. YamlProblem says what is wrong and at which column."""
    return parse_with_positions(text)[0]


def _parse(text: str, spans: list | None = None) -> tuple[Any, Positions]:
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(text, exc) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, 1, f"invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()
    positions = Positions()
    if node is None:
        return None, positions
    builder = _Builder(loader, positions, spans)
    data = builder.build(node, ())
    if builder.problems:
        raise YamlProblems(builder.problems)
    return data, positions


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> YamlProblem:
    """A located 'invalid YAML' problem, worded by the pure Python parser where it can say it."""
    if LIBYAML and len(text) <= 64 * 1024 and not isinstance(exc, yaml.composer.ComposerError):
        try:
            for _ in yaml.parse(text, Loader=yaml.SafeLoader):
                pass
        except yaml.MarkedYAMLError as python_exc:
            exc = python_exc
        except yaml.YAMLError:
            pass
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or str(exc).splitlines()[0]
    message = f"invalid YAML: {problem}"
    start = exc.context_mark
    if (start and exc.problem_mark and start.line < exc.problem_mark.line and exc.context
            and exc.context.startswith(("while scanning a quoted scalar", "while parsing a flow"))):
        # An unclosed quote or bracket is noticed lines later (often at the end of the
        # file); point at where it opens, which is where the mistake is.
        message += f" at line {line}, column {col} ({exc.context} that starts here)"
        line, col = start.line + 1, start.column + 1
    return YamlProblem(line, col, visible(message))


def _tag_name(tag: str) -> str:
    return visible("!!" + tag[len(CORE):] if tag.startswith(CORE) else tag)


class _Builder:
    """Plain data from the node tree, with positions; collects every tag and value problem."""

    def __init__(self, loader: Loader, positions: Positions, spans: list | None):
        self.loader = loader
        self.positions = positions
        self.spans = spans  # (start, end, path, is_key) of each scalar, when asked for
        self.problems: list[YamlProblem] = []
        self._reported: set[int] = set()

    def problem(self, where: tuple[int, int], message: str, path: Path) -> None:
        self.problems.append(YamlProblem(where[0], where[1], message, path))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.positions.values[path] = mark(node)
        if self._bad_tag(node, path):
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in self._pairs(node):
                key = self._key(key_node, path)
                if key is None:
                    continue
                if key in out:
                    self.problem(mark(key_node), f"duplicate key '{visible(key)}'", ())
                    continue
                self.positions.keys[path + (key,)] = mark(key_node)
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path, is_key=False)

    def _pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """The mapping's pairs with merge keys (`<<: *base`) resolved: written keys win over merged
        ones, and among merged mappings the first listed wins (YAML's merge rule)."""
        written = [(k, v) for k, v in node.value if not (isinstance(k, yaml.ScalarNode) and k.tag == MERGE)]
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == MERGE):
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode) or source.tag not in ALLOWED_TAGS[yaml.MappingNode]:
                    self.problem(mark(source), "a merge key '<<' needs a mapping or a list of mappings "
                                 f"(got {KIND[type(source)]})", ())
                    continue
                merged += self._pairs(source)
        if not merged:
            return written
        seen = {k.value for k, _ in written if isinstance(k, yaml.ScalarNode)}
        out = list(written)
        for key_node, value_node in merged:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value in seen:
                continue
            seen.add(getattr(key_node, "value", None))
            out.append((key_node, value_node))
        return out

    def _key(self, node: yaml.Node, parent: Path) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(mark(node), "mapping keys must be plain strings", parent)
            return None
        if self._bad_tag(node, parent + (node.value,)):
            return node.value
        key = self._scalar(node, parent, is_key=True)
        return key if isinstance(key, str) else str(key)

    def _scalar(self, node: yaml.ScalarNode, path: Path, is_key: bool) -> Any:
        value = self._construct(node, path)
        if self.spans is not None:
            end = (node.end_mark.line + 1, node.end_mark.column + 1)
            self.spans.append((mark(node), end, path + ((str(value),) if is_key else ()), is_key))
        if isinstance(value, str) and _CONTROL_IN_VALUE.search(value):
            ch = _CONTROL_IN_VALUE.search(value).group()
            where = "key" if is_key else "value"
            self.problem(mark(node), f"control character {escape_char(ch)} (U+{ord(ch):04X}) in a {where} "
                         "is not allowed (expected printable text)", path + ((value,) if is_key else ()))
            return value if is_key else None
        return value

    def _construct(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag not in SCALAR_TAGS:
            value: Any = node.value  # timestamps, '=', '<<' outside a mapping: the text as written
        else:
            try:
                value = self.loader.construct_object(node)
            except Exception:  # noqa: BLE001 - any failure of a core constructor is a bad value
                if node.tag != self.loader.resolve(yaml.ScalarNode, node.value, (True, False)):
                    self.problem(mark(node), f"{_shown(node.value)} is not a valid {_tag_name(node.tag)}", path)
                    return None
                value = node.value
        return value

    def _bad_tag(self, node: yaml.Node, path: Path) -> bool:
        bad = self.loader.bad_tags.get(id(node))
        if bad is None:
            return False
        if id(node) not in self._reported:  # a node reached again through an alias: reported once
            self._reported.add(id(node))
            tag, where = bad
            core = tag.startswith(CORE) and any(tag in tags for tags in ALLOWED_TAGS.values())
            if core:
                fits = " or ".join(_tag_name(t) for t in sorted(ALLOWED_TAGS[type(node)]) if t != "!")
                message = f"tag {_tag_name(tag)} does not fit {KIND[type(node)]} (expected {fits} or no tag)"
            else:
                message = (f"tag {_tag_name(tag)} is not allowed (a spec holds plain values and never "
                           "constructs objects; expected no tag)")
            self.problem(where, message, path)
        return True


def _shown(text: str, limit: int = 60) -> str:
    text = text if len(text) <= limit else text[:limit] + "..."
    return visible(repr(text))


def _unreadable_problems(text: str, found: list[re.Match]) -> list[YamlProblem]:
    """One problem per line holding undecodable bytes or control characters, with the key path
    that holds the first of them: the text is parsed once more with each such character
    replaced by a private-use stand-in, which YAML accepts, to learn what is where."""
    stand_in = {m.start(): chr(0x100000 + (ord(m.group()) & 0xFFFF)) for m in found}
    chars = list(text)
    for index, ch in stand_in.items():
        chars[index] = ch
    spans: list = []
    try:
        _parse("".join(chars), spans)
    except YamlProblem:
        spans = [] if not spans else spans
    back = {v: text[k] for k, v in stand_in.items()}

    problems: list[YamlProblem] = []
    lines_seen: set[int] = set()
    for match in found:
        index = match.start()
        line = text.count("\n", 0, index) + 1
        if line in lines_seen:
            continue
        lines_seen.add(line)
        col = index - text.rfind("\n", 0, index)
        path = _path_at(spans, (line, col))
        path = tuple("".join(back.get(c, c) for c in p) if isinstance(p, str) else p for p in path)
        ch = match.group()
        if 0xDC80 <= ord(ch) <= 0xDCFF:
            message = f"byte 0x{ord(ch) - 0xDC00:02x} is not valid UTF-8 (expected UTF-8 text; re-save the file as UTF-8)"
        else:
            kind = "control character" if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F else "character"
            message = f"{kind} {escape_char(ch)} (U+{ord(ch):04X}) is not allowed (expected printable text)"
        problems.append(YamlProblem(line, col, message, path))
        if len(problems) == MAX_REPORTED_LINES:
            break
    rest = len({text.count("\n", 0, m.start()) for m in found}) - len(problems)
    if rest > 0:
        last = problems[-1]
        problems[-1] = YamlProblem(last.line, last.col, f"{last.message} (and {rest} more lines like it)", last.path)
    return problems


def _path_at(spans: list, where: tuple[int, int]) -> Path:
    """The key path of the scalar written at `where` (for a key: the key's own path), else ()."""
    for start, end, path, is_key in spans:
        if start <= where < end or start == where:
            return path
    return ()
