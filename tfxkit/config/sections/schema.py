"""The `schema` section: a curated schema file (ImportSchemaGen), or none and SchemaGen infers one.

A curated file is parsed at validate time as ImportSchemaGen will read it; its own
problems are located in the schema file, and its feature names stand in for the
data's columns when the data is not CSV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from pydantic import Field

from tfxkit.config.errors import SpecError
from tfxkit.config.paths import resolve_path
from tfxkit.config.problem import Problem
from tfxkit.config.schema_file import read_schema
from tfxkit.config.sections.strict import Strict


class SchemaSection(Strict):
    """Inferred by SchemaGen unless a curated schema file is given (ImportSchemaGen)."""

    file: Optional[str] = Field(default=None, description="Curated schema.pbtxt; omit to infer.")


@dataclass(frozen=True)
class SchemaFileLook:
    """The curated schema's feature names (None: no file, or not a valid one) and the problems."""

    columns: Optional[list[str]]
    problems: list[Union[Problem, SpecError]] = field(default_factory=list)


def look_at_schema_file(schema: SchemaSection, base_dir: Path) -> SchemaFileLook:
    """The curated schema read as ImportSchemaGen will; a problem inside it is a SpecError in that file."""
    if not schema.file:
        return SchemaFileLook(None)
    schema_path = resolve_path(schema.file, base_dir)
    if not os.path.isfile(schema_path):
        return SchemaFileLook(None, [Problem(("schema", "file"), f"file not found: '{schema_path}' (expected a "
                                             "schema.pbtxt)")])
    look = read_schema(schema_path)
    problems: list[Union[Problem, SpecError]] = []
    if look.problem:  # located in the schema file itself
        where = look.problem
        problems.append(SpecError(_shown_path(schema_path), where.line, where.col, "schema.file", where.message,
                                  source_line=_line_of(schema_path, where.line)))
    return SchemaFileLook(look.features, problems)


def _shown_path(path: str) -> str:
    """A path as a user would type it from here: relative under the current folder, else absolute."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _line_of(path: str, line: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, 1):
                if number == line:
                    return text.rstrip("\n")
    except OSError:
        pass
    return ""
