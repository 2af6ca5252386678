"""Checks that need the file system: files exist, columns exist, metrics fit the task.

Each check yields (key path, message, at_key); the loader turns the path into
a file position. `at_key` points the error at the key (a name that is wrong)
rather than at its value.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import TYPE_CHECKING, Iterator

from tfxkit.spec.consistency import check_consistency
from tfxkit.spec.csv_file import look_at_csv
from tfxkit.spec.errors import SpecError
from tfxkit.spec.models import CATEGORICAL_TRANSFORMS, METRICS
from tfxkit.spec.paths import data_files, guess_format, resolve_path
from tfxkit.spec.schema_file import read_schema

if TYPE_CHECKING:
    from tfxkit.spec.load import LoadedSpec

Problem = tuple[tuple, str, bool]  # or a SpecError located in another file (the schema)


def check_spec(loaded: "LoadedSpec") -> list[Problem | SpecError]:
    """Every problem in a model-valid spec that only the outside world reveals."""
    return list(_check(loaded))


def _check(loaded: "LoadedSpec") -> Iterator[Problem]:
    spec = loaded.spec
    base = loaded.base_dir

    columns: list[str] | None = None
    try:
        resolved = resolve_path(spec.data.path, base)
    except FileNotFoundError as exc:
        yield ("data", "path"), f"{exc} (expected pkg://<installed package>/<path>)", False
        resolved = None
    if resolved is not None:
        files = data_files(resolved)
        if not files:
            yield ("data", "path"), f"no data files at '{resolved}' (expected a file, a folder or a glob)", False
        else:
            fmt = spec.data.format or guess_format(files)
            if fmt is None:
                yield ("data", "path"), "cannot tell the data format from the file name (expected data.format: " \
                    "csv or tfrecord)", False
            elif fmt == "csv":
                look = look_at_csv(files[0], getattr(spec.data, "delimiter", None) or ",")
                columns = look.columns
                if look.problem:  # one line naming the cause, not one 'no column' line per column
                    yield ("data", "path"), look.problem, False

    schema_columns = None
    if spec.schema_.file:
        schema_path = resolve_path(spec.schema_.file, base)
        if not os.path.isfile(schema_path):
            yield ("schema", "file"), f"file not found: '{schema_path}' (expected a schema.pbtxt)", False
        else:
            schema = read_schema(schema_path)
            if schema.problem:  # located in the schema file itself
                where = schema.problem
                yield SpecError(_shown_path(schema_path), where.line, where.col, "schema.file", where.message,
                                source_line=_line_of(schema_path, where.line))
            schema_columns = schema.features
            if columns is None:
                columns = schema_columns

    if spec.transform.module_file:
        module_path = resolve_path(spec.transform.module_file, base)
        if not os.path.isfile(module_path):
            yield ("transform", "module_file"), f"file not found: '{module_path}' (expected a Python file)", False

    if columns is not None:
        yield from _unknown_column(("data", "label"), spec.data.label, columns, at_key=False)
        for name in spec.transform.features:
            yield from _unknown_column(("transform", "features", name), name, columns, at_key=True)
        for i, name in enumerate(spec.evaluation.slices):
            yield from _unknown_column(("evaluation", "slices", i), name, columns, at_key=False)
    if spec.data.label in spec.transform.features:
        yield ("transform", "features", spec.data.label), "the label cannot be a model input " \
            "(expected feature columns only; the label is encoded automatically)", True

    yield from _model_references(spec)
    yield from check_consistency(spec)

    task = spec.model.task
    allowed = METRICS[task]
    for i, name in enumerate(spec.evaluation.metrics or []):
        if name not in allowed:
            yield ("evaluation", "metrics", i), _bad_metric(name, task), False
    for name in spec.evaluation.thresholds:
        if name not in allowed:
            yield ("evaluation", "thresholds", name), _bad_metric(name, task), True


def _model_references(spec) -> Iterator[Problem]:
    """Model sections name transformed columns; they must exist and have the right transform."""
    if spec.transform.module_file:
        return  # a custom preprocessing_fn decides its outputs; checked when the Trainer runs
    features = spec.transform.features
    model = spec.model

    def need(path: tuple, name: str, kinds: tuple[str, ...], what: str) -> Iterator[Problem]:
        if name not in features:
            yield path, f"'{name}' is not in transform.features (expected {what})", False
        elif features[name].transform not in kinds:
            yield path, f"'{name}' has transform '{features[name].transform}' (expected {what})", False

    if model.cnn:
        yield from need(("model", "cnn", "image"), model.cnn.image, ("zscore", "scale_0_1", "passthrough"),
                        "a numeric column: zscore, scale_0_1 or passthrough")
    if model.text:
        yield from need(("model", "text", "feature"), model.text.feature, ("text",), "a column with transform: text")
    if model.wide_deep:
        for i, name in enumerate(model.wide_deep.wide):
            yield from need(("model", "wide_deep", "wide", i), name, CATEGORICAL_TRANSFORMS,
                            "a categorical column: vocabulary, bucketize or hash")


def _bad_metric(name: str, task: str) -> str:
    return f"unknown metric '{name}' for a {task} model (expected one of: {', '.join(METRICS[task])})"


def _unknown_column(path: tuple, name: str, columns: list[str], at_key: bool) -> Iterator[Problem]:
    if name not in columns:
        close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(columns)}"
        yield path, f"no column '{name}' in the data ({hint})", at_key


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
