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

from tfxkit.config.components import check_components
from tfxkit.config.consistency import check_consistency
from tfxkit.config.csv_file import look_at_csv
from tfxkit.config.errors import ProblemKind, SpecError
from tfxkit.config.models import CATEGORICAL_TRANSFORMS, METRICS
from tfxkit.config.paths import data_files, guess_format, resolve_path
from tfxkit.config.schema_file import read_schema

if TYPE_CHECKING:
    from tfxkit.config.load import LoadedSpec

# (key path, message, at_key[, kind]): the kind is SPEC unless given; or a SpecError located in another file
Problem = tuple[tuple, str, bool] | tuple[tuple, str, bool, ProblemKind]
DATA = ProblemKind.DATA


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
        yield ("data", "path"), f"{exc} (expected pkg://<installed package>/<path>)", False, DATA
        resolved = None
    if resolved is not None:
        files = data_files(resolved)
        if not files:
            yield ("data", "path"), f"no data files at '{resolved}' (expected a file, a folder or a glob)", False, \
                DATA
        else:
            fmt = spec.data.format or guess_format(files)
            if fmt is None:
                yield ("data", "path"), "cannot tell the data format from the file name (expected data.format: " \
                    "csv or tfrecord)", False, DATA
            elif fmt == "csv":
                look = look_at_csv(files[0], spec.data.delimiter)
                columns = look.columns
                if look.problem:  # one line naming the cause, not one 'no column' line per column
                    yield ("data", "path"), look.problem, False, DATA

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

    yield from check_components(spec, base, COMPONENT_IDS + (RESOLVER_ID,))

    if spec.kubeflow is not None:
        yield from _kubeflow_resources(spec.kubeflow, tuple(c.name for c in spec.components))


_CPU = re.compile(r"^(\d+(\.\d+)?|\d+m)$")
_MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_SECRET_REF = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[-._a-zA-Z0-9]+$")
COMPONENT_IDS = ("CsvExampleGen", "ImportExampleGen", "StatisticsGen", "SchemaGen", "ImportSchemaGen",
                 "ExampleValidator", "AnomaliesGate", "Transform", "Tuner", "Trainer", "Evaluator", "Pusher")
RESOLVER_ID = "latest_blessed_model_resolver"  # the resolver node of tfxkit.dag.plan


def _kubeflow_resources(kubeflow, custom: tuple[str, ...] = ()) -> Iterator[Problem]:
    """Resources that Kubernetes would reject only after upload: checked here, at load time."""
    known = COMPONENT_IDS + custom
    sections = [(("kubeflow", "resources"), kubeflow.resources)]
    sections += [(("kubeflow", "components", name), res) for name, res in kubeflow.components.items()]
    for name in kubeflow.components:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
            yield ("kubeflow", "components", name), f"unknown component '{name}' ({hint})", True
    for path, res in sections:
        if res.cpu is not None and (isinstance(res.cpu, bool) or not _CPU.match(str(res.cpu)) or cpu_count(res.cpu) <= 0):
            yield path + ("cpu",), f"cannot parse cpu {res.cpu!r} (expected a number of cores like 2, 0.5 or '500m')", False
        if res.memory is not None and not _MEMORY.match(res.memory):
            yield path + ("memory",), f"cannot parse memory {res.memory!r} (expected a size like '4Gi', '512Mi' or '8G')", False
        if res.gpu and not res.accelerator:
            yield path + ("gpu",), f"{res.gpu} GPU requested without an accelerator type (expected accelerator: " \
                "e.g. NVIDIA_TESLA_T4)", True
    for var, ref in kubeflow.secrets.items():
        if not _SECRET_REF.match(ref):
            yield ("kubeflow", "secrets", var), f"{ref!r} is not a secret reference (expected secret-name/key; " \
                "never the secret's value)", False


def cpu_count(cpu) -> float:
    """Cores as a float: 2 -> 2.0, '500m' -> 0.5."""
    text = str(cpu)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


_MEMORY_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def memory_gb(memory: str) -> float:
    """Memory in GB (10^9 bytes, what KFP's ResourceSpec.memory_limit means): '4Gi' -> 4.294967296."""
    match = re.match(r"^(\d+(?:\.\d+)?)([A-Za-z]*)$", memory)
    assert match, memory
    return float(match.group(1)) * _MEMORY_UNITS[match.group(2)] / 1e9


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
        if close:  # a typo in the spec
            yield path, f"no column '{name}' in the data (did you mean '{close[0]}'?)", at_key
        else:  # a column the data lacks
            yield path, f"no column '{name}' in the data (expected one of: {', '.join(columns)})", at_key, DATA


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
