"""Spec problems as compiler-style one-line messages.

Every problem a user can make in a spec is reported as
`file:line:col: key.path: what is wrong (expected ...)`, all of them in one pass,
so a user fixes a file in one edit instead of one run per typo. Invisible
characters (control, zero-width, bidi) in a key path, a message or a quoted
source line are shown escaped, never raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from tfxkit.config.problem import ProblemKind
from tfxkit.config.visible import visible


def dotted(path: tuple) -> str:
    """('trainer', 'optimizer') -> 'trainer.optimizer'; list indices as [i]."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class SpecError:
    """One problem at one place in a spec file."""

    file: str
    line: int
    col: int
    path: str
    message: str
    # the quoted line for a problem in another file than the spec (e.g. its schema file); None: the spec's
    source_line: Optional[str] = field(default=None, compare=False)
    kind: ProblemKind = field(default=ProblemKind.SPEC, compare=False)

    def __str__(self) -> str:
        where = f"{visible(self.file)}:{self.line}:{self.col}"
        path, message = visible(self.path), visible(self.message)
        return f"{where}: {path}: {message}" if path else f"{where}: {message}"


class SpecErrors(Exception):
    """All problems found in a spec file; str() gives one line per problem."""

    def __init__(self, errors: list[SpecError], source_lines: list[str] | None = None):
        # the spec's own lines first, in file order; then problems located in other files (its schema)
        self.errors = sorted(errors, key=lambda e: (e.source_line is not None, e.file, e.line, e.col, e.path))
        self.source_lines = source_lines or []
        super().__init__("\n".join(str(e) for e in self.errors))

    def render(self, show_source: bool = True) -> str:
        """The messages, each optionally followed by its source line and a caret."""
        out = []
        for err in self.errors:
            out.append(str(err))
            if err.source_line is not None:
                src = err.source_line if show_source and err.source_line.strip() else None
            else:
                src = self.source_lines[err.line - 1] if show_source and 0 < err.line <= len(self.source_lines) else None
            if src is not None:
                # tabs as one space and escapes counted, so the caret stays under the column
                src = src.replace("\t", " ")
                out.append(f"    {visible(src)}")
                out.append("    " + " " * len(visible(src[:err.col - 1])) + "^")
        return "\n".join(out)


def dedupe(errors: list[SpecError]) -> list[SpecError]:
    """The errors without repeats (the same line twice, e.g. from two checks of one key), first kept."""
    seen, out = set(), []
    for err in errors:
        if str(err) not in seen:
            seen.add(str(err))
            out.append(err)
    return out
