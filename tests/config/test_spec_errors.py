"""Bad specs: every mistake is one compiler-style line pointing at the right place.

Each case starts from a valid spec (BASE, line numbers below) and makes exactly
one mistake, then asserts the full first error line:
`file:line:col: key.path: message`. Unknown keys point at the key, wrong values
at the value, a missing required key at its parent's key.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.spec_files import FEATURES_BLOCK, errors_of, expand, write_spec
from tests.conftest import REPO_ROOT
from tfxkit.config.errors import SpecErrors
from tfxkit.config.load import load_spec


def test_base_spec_is_valid(tmp_path):
    loaded = load_spec(write_spec(tmp_path))
    assert loaded.spec.pipeline.name == "penguin"
    assert loaded.spec.model.task == "multiclass"


# (edits, expected first error line) — {spec} is the spec path, {dir} its resolved folder.
CASES = [
    # --- unknown keys: point at the key ---
    pytest.param(
        [("trainer:\n", "trainr:\n")],
        "{spec}:21:1: trainr: unknown key (did you mean 'trainer'?)",
        id="unknown-top-level-key",
    ),
    pytest.param(
        [("  epochs: 10\n", "  epocs: 10\n")],
        "{spec}:22:3: trainer.epocs: unknown key (did you mean 'epochs'?)",
        id="unknown-nested-key",
    ),
    pytest.param(
        [("  dropout: 0.1\n", "  colour: blue\n")],
        "{spec}:20:3: model.colour: unknown key (expected one of: type, task, hidden_units, activation, dropout, batch_norm, regularization, cnn, text, wide_deep)",
        id="unknown-key-no-close-match",
    ),
    pytest.param(
        [("      lower_bound: 0.5\n", "      lower: 0.5\n")],
        "{spec}:31:7: evaluation.thresholds.accuracy.lower: unknown key (did you mean 'lower_bound'?)",
        id="unknown-key-in-threshold",
    ),
    pytest.param(
        [("fill_value: unknown", "fill: unknown")],
        "{spec}:16:34: transform.features.sex.fill: unknown key "
        "(expected one of: transform, fill_value, top_k, sequence_length, num_oov_buckets, num_buckets)",
        id="unknown-key-in-flow-mapping",
    ),
    # --- missing required keys: point at the parent key ---
    pytest.param(
        [("  label: species\n", "")],
        "{spec}:6:1: data.label: missing required key",
        id="missing-data-label",
    ),
    pytest.param(
        [("  root: runs\n", "")],
        "{spec}:2:1: pipeline.root: missing required key",
        id="missing-pipeline-root",
    ),
    pytest.param(
        [("model:\n  task: multiclass\n  hidden_units: [16, 8]\n  dropout: 0.1\n", "")],
        "{spec}:1:1: model: missing required key",
        id="missing-model-section",
    ),
    # --- wrong types: point at the value ---
    pytest.param(
        [("epochs: 10", 'epochs: "ten"')],
        "{spec}:22:11: trainer.epochs: expected an integer, got 'ten'",
        id="epochs-string",
    ),
    pytest.param(
        [("epochs: 10", "epochs: true")],
        "{spec}:22:11: trainer.epochs: expected an integer, got True",
        id="epochs-bool-not-coerced",
    ),
    pytest.param(
        [("batch_size: 16", 'batch_size: "16"')],
        "{spec}:23:15: trainer.batch_size: expected an integer, got '16'",
        id="batch-size-quoted-not-coerced",
    ),
    pytest.param(
        [("batch_size: 16", "batch_size: 1.5")],
        "{spec}:23:15: trainer.batch_size: expected an integer, got 1.5",
        id="batch-size-float",
    ),
    pytest.param(
        [("cache: true", 'cache: "maybe"')],
        "{spec}:5:10: pipeline.cache: expected true or false, got 'maybe'",
        id="cache-not-bool",
    ),
    pytest.param(
        [("hidden_units: [16, 8]", "hidden_units: 16")],
        "{spec}:19:17: model.hidden_units: expected a list, got 16",
        id="hidden-units-not-list",
    ),
    pytest.param(
        [("learning_rate: 0.01", "learning_rate: fast")],
        "{spec}:25:18: trainer.learning_rate: expected a number or a mapping with 'schedule' (one of: constant, "
        "exponential, piecewise, cosine, cosine_restarts, polynomial, reduce_on_plateau), got 'fast'",
        id="learning-rate-string",
    ),
    pytest.param(
        [("split: {train: 3, eval: 1}", "split: 3")],
        "{spec}:9:10: data.split: expected a mapping, got 3",
        id="split-not-mapping",
    ),
    pytest.param(
        [("metrics: [accuracy]", "metrics: accuracy")],
        "{spec}:27:12: evaluation.metrics: expected a list, got 'accuracy'",
        id="metrics-not-list",
    ),
    pytest.param(
        [("fill_value: unknown", "fill_value: [1]")],
        "{spec}:16:46: transform.features.sex.fill_value: expected a number, an integer or a string, got a list",
        id="fill-value-list",
    ),
    # --- out of range ---
    pytest.param(
        [("epochs: 10", "epochs: 0")],
        "{spec}:22:11: trainer.epochs: 0 is too small (expected >= 1)",
        id="epochs-zero",
    ),
    pytest.param(
        [("dropout: 0.1", "dropout: 1.5")],
        "{spec}:20:12: model.dropout: 1.5 is too large (expected < 1.0)",
        id="dropout-too-large",
    ),
    pytest.param(
        [("learning_rate: 0.01", "learning_rate: -1")],
        "{spec}:25:18: trainer.learning_rate: -1 is too small (expected > 0.0)",
        id="learning-rate-negative",
    ),
    pytest.param(
        [("split: {train: 3, eval: 1}", "split: {train: 0, eval: 1}")],
        "{spec}:9:18: data.split.train: 0 is too small (expected >= 1)",
        id="split-train-zero",
    ),
    pytest.param(
        [("hidden_units: [16, 8]", "hidden_units: [16, 0]")],
        "{spec}:19:17: model.hidden_units: every layer needs at least 1 unit (expected positive integers)",
        id="hidden-units-zero-layer",
    ),
    pytest.param(
        [("hidden_units: [16, 8]", "hidden_units: []")],
        "{spec}:19:17: model.hidden_units: too few items (expected at least 1)",
        id="hidden-units-empty",
    ),
    # --- bad literals ---
    pytest.param(
        [("task: multiclass", "task: clasification")],
        "{spec}:18:9: model.task: 'clasification' is not allowed (expected 'binary', 'multiclass' or 'regression')",
        id="task-typo",
    ),
    pytest.param(
        [("optimizer: adam", "optimizer: adamm")],
        "{spec}:24:14: trainer.optimizer: 'adamm' is not allowed (did you mean 'adam'?)",
        id="optimizer-typo",
    ),
    pytest.param(
        [("bill_length_mm: zscore", "bill_length_mm: zscroe")],
        "{spec}:14:21: transform.features.bill_length_mm: 'zscroe' is not allowed (did you mean 'zscore'?)",
        id="transform-name-typo-short-form",
    ),
    pytest.param(
        [("bill_length_mm: zscore", "bill_length_mm: {transform: zscroe}")],
        "{spec}:14:33: transform.features.bill_length_mm.transform: 'zscroe' is not allowed (did you mean 'zscore'?)",
        id="transform-name-typo-long-form",
    ),
    pytest.param(
        [("version: 1", "version: 2")],
        "{spec}:1:10: version: 2 is not allowed (expected 1)",
        id="unsupported-version",
    ),
    pytest.param(
        [("name: penguin", "name: my penguin")],
        "{spec}:3:9: pipeline.name: 'my penguin' is not a valid name "
        "(expected letters, digits, '_' or '-', starting with a letter)",
        id="pipeline-name-with-space",
    ),
    # --- transform options that do not fit ---
    pytest.param(
        [("bill_length_mm: zscore", "bill_length_mm: bucketize")],
        "{spec}:14:21: transform.features.bill_length_mm: 'bucketize' needs num_buckets (expected an integer >= 2)",
        id="bucketize-without-num-buckets",
    ),
    pytest.param(
        [("bill_length_mm: zscore", "bill_length_mm: {transform: zscore, top_k: 5}")],
        "{spec}:14:21: transform.features.bill_length_mm: top_k does not apply to 'zscore' (only vocabulary and text)",
        id="top-k-on-zscore",
    ),
    pytest.param(
        [("island: vocabulary", "island: {transform: vocabulary, num_buckets: 4}")],
        "{spec}:15:13: transform.features.island: num_buckets does not apply to 'vocabulary' "
        "(only bucketize and hash)",
        id="num-buckets-on-vocabulary",
    ),
    pytest.param(
        [(FEATURES_BLOCK, FEATURES_BLOCK + "  module_file: prep.py\n")],
        "{spec}:13:3: transform: give either 'features' or 'module_file' (expected exactly one)",
        id="both-features-and-module-file",
    ),
    pytest.param(
        [(FEATURES_BLOCK, "  features: {}\n")],
        "{spec}:13:3: transform: give either 'features' or 'module_file' (expected exactly one)",
        id="neither-features-nor-module-file",
    ),
    # --- columns: checked against the CSV header ---
    pytest.param(
        [("label: species", "label: specie")],
        "{spec}:8:10: data.label: no column 'specie' in the data (did you mean 'species'?)",
        id="label-column-typo",
    ),
    pytest.param(
        [("label: species", "label: zzz")],
        "{spec}:8:10: data.label: no column 'zzz' in the data (expected one of: species, island, bill_length_mm, sex)",
        id="label-column-no-close-match",
    ),
    pytest.param(
        [("bill_length_mm: zscore", "bill_depth_mm: zscore")],
        "{spec}:14:5: transform.features.bill_depth_mm: no column 'bill_depth_mm' in the data "
        "(did you mean 'bill_length_mm'?)",
        id="feature-column-missing",
    ),
    pytest.param(
        [("bill_length_mm: zscore", "species: vocabulary")],
        "{spec}:14:5: transform.features.species: the label cannot be a model input "
        "(expected feature columns only; the label is encoded automatically)",
        id="label-as-feature",
    ),
    pytest.param(
        [("slices: [island]", "slices: [islnd]")],
        "{spec}:28:12: evaluation.slices[0]: no column 'islnd' in the data (did you mean 'island'?)",
        id="slice-column-typo",
    ),
    # --- metrics and thresholds ---
    pytest.param(
        [("metrics: [accuracy]", "metrics: [accuracy, auc]")],
        "{spec}:27:23: evaluation.metrics[1]: unknown metric 'auc' for a multiclass model "
        "(expected one of: accuracy, loss, example_count)",
        id="metric-not-for-task",
    ),
    pytest.param(
        [("    accuracy:\n", "    auc:\n")],
        "{spec}:30:5: evaluation.thresholds.auc: unknown metric 'auc' for a multiclass model "
        "(expected one of: accuracy, loss, example_count)",
        id="threshold-metric-not-for-task",
    ),
    pytest.param(
        [("    accuracy:\n      lower_bound: 0.5\n", "    accuracy: {}\n")],
        "{spec}:30:15: evaluation.thresholds.accuracy: empty threshold "
        "(expected lower_bound, upper_bound or min_improvement)",
        id="empty-threshold",
    ),
    pytest.param(
        [("      lower_bound: 0.5\n", "      lower_bound: 0.9\n      upper_bound: 0.5\n")],
        "{spec}:31:7: evaluation.thresholds.accuracy: lower_bound 0.9 is above upper_bound 0.5",
        id="lower-bound-above-upper-bound",
    ),
    # --- files and URLs ---
    pytest.param(
        [(FEATURES_BLOCK, "  module_file: prep.py\n")],
        "{spec}:13:16: transform.module_file: file not found: '{dir}/prep.py' (expected a Python file)",
        id="missing-module-file",
    ),
    pytest.param(
        [("  cache: true\n", "  cache: true\n  metadata: redis://localhost:6379/0\n")],
        "{spec}:6:13: pipeline.metadata: unsupported metadata URL 'redis://localhost:6379/0' "
        "(expected sqlite:///path, mysql://user:password@host:port/database "
        "or postgresql://user:password@host:port/database)",
        id="metadata-url-redis",
    ),
    pytest.param(
        [("  cache: true\n", "  cache: true\n  metadata: mysql://user@/mlmd\n")],
        "{spec}:6:13: pipeline.metadata: bad mysql URL 'mysql://user@/mlmd' "
        "(expected mysql://user:password@host:port/database)",
        id="metadata-url-no-host",
    ),
    pytest.param(
        [("path: data.csv", "path: pkg://no_such_package_tfxkit_test/data.csv")],
        "{spec}:7:9: data.path: package 'no_such_package_tfxkit_test' is not installed "
        "(expected pkg://<installed package>/<path>)",
        id="pkg-path-package-not-installed",
    ),
    # --- YAML itself ---
    pytest.param(
        [("optimizer: adam", "optimizer: adam: x")],
        "{spec}:24:18: invalid YAML: mapping values are not allowed here",
        id="yaml-syntax-error",
    ),
    pytest.param(
        [("batch_size: 16", "batch_size: [16")],
        "{spec}:23:15: invalid YAML: expected ',' or ']', but got ':' at line 24, column 12 "
        "(while parsing a flow sequence that starts here)",
        id="yaml-unclosed-bracket",
    ),
    pytest.param(
        [("name: penguin", 'name: "penguin')],
        "{spec}:3:9: invalid YAML: found unexpected end of stream at line 34, column 1 "
        "(while scanning a quoted scalar that starts here)",
        id="yaml-unclosed-quote",
    ),
    pytest.param(
        [("  batch_size: 16\n", "  batch_size: 16\n  epochs: 5\n")],
        "{spec}:24:3: duplicate key 'epochs'",
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize("edits, expected", CASES)
def test_bad_spec(tmp_path, edits, expected):
    path = write_spec(tmp_path, *edits)
    errors = errors_of(path)
    assert errors[0] == expand(expected, path)
    assert len(errors) == 1, errors  # one mistake, one error


def test_missing_data_file(tmp_path):
    path = write_spec(tmp_path, data=False)
    assert errors_of(path) == [
        expand("{spec}:7:9: data.path: no data files at '{dir}/data.csv' (expected a file, a folder or a glob)", path)
    ]


def test_missing_schema_file(tmp_path):
    path = write_spec(tmp_path, schema=False)
    assert errors_of(path) == [
        expand("{spec}:11:9: schema.file: file not found: '{dir}/schema.pbtxt' (expected a schema.pbtxt)", path)
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("", "{spec}:1:1: expected a mapping of sections, found an empty file", id="empty-file"),
        pytest.param("# only a comment\n", "{spec}:1:1: expected a mapping of sections, found an empty file",
                     id="comments-only"),
        pytest.param("- version: 1\n- pipeline: {name: p}\n",
                     "{spec}:1:1: expected a mapping of sections, found a list", id="top-level-list"),
        pytest.param("just a string\n", "{spec}:1:1: expected a mapping of sections, found a str",
                     id="top-level-scalar"),
    ],
)
def test_not_a_mapping(tmp_path, text, expected):
    path = write_spec(tmp_path, text=text)
    assert errors_of(path) == [expand(expected, path)]


def test_spec_file_does_not_exist(tmp_path):
    path = tmp_path / "nope.yaml"
    assert errors_of(path) == [f"{path}:1:1: spec file not found"]


def test_spec_path_is_a_folder(tmp_path):
    assert errors_of(tmp_path) == [f"{tmp_path}:1:1: cannot read spec file (IsADirectoryError)"]


def test_bad_override_is_reported_at_the_section(tmp_path):
    path = write_spec(tmp_path)
    with pytest.raises(SpecErrors) as info:
        load_spec(path, {"trainer.epochs": 0})
    # The bad value came from the override; the error points at the key it replaced.
    assert [str(e) for e in info.value.errors] == [f"{path}:22:11: trainer.epochs: 0 is too small (expected >= 1)"]


def test_several_model_mistakes_reported_in_one_pass(tmp_path):
    path = write_spec(
        tmp_path,
        ("trainer:\n", "trainr:\n"),
        ("name: penguin", "name: my penguin"),
        ("dropout: 0.1", "dropout: 1.5"),
    )
    assert errors_of(path) == [
        f"{path}:3:9: pipeline.name: 'my penguin' is not a valid name "
        "(expected letters, digits, '_' or '-', starting with a letter)",
        f"{path}:20:12: model.dropout: 1.5 is too large (expected < 1.0)",
        f"{path}:21:1: trainr: unknown key (did you mean 'trainer'?)",
    ]


def test_several_file_checks_reported_in_one_pass(tmp_path):
    path = write_spec(
        tmp_path,
        ("label: species", "label: specie"),
        ("metrics: [accuracy]", "metrics: [auc]"),
        ("bill_length_mm: zscore", "bill_depth_mm: zscore"),
    )
    assert errors_of(path) == [
        f"{path}:8:10: data.label: no column 'specie' in the data (did you mean 'species'?)",
        f"{path}:14:5: transform.features.bill_depth_mm: no column 'bill_depth_mm' in the data "
        "(did you mean 'bill_length_mm'?)",
        f"{path}:27:13: evaluation.metrics[0]: unknown metric 'auc' for a multiclass model "
        "(expected one of: accuracy, loss, example_count)",
    ]


def test_model_and_file_mistakes_reported_in_one_pass(tmp_path):
    # A typo in one section must not hide a wrong column in another.
    path = write_spec(
        tmp_path,
        ("  epochs: 10\n", "  epocs: 10\n"),
        ("label: species", "label: specie"),
        ("optimizer: adam", "optimizer: adamm"),
    )
    assert errors_of(path) == [
        f"{path}:8:10: data.label: no column 'specie' in the data (did you mean 'species'?)",
        f"{path}:22:3: trainer.epocs: unknown key (did you mean 'epochs'?)",
        f"{path}:24:14: trainer.optimizer: 'adamm' is not allowed (did you mean 'adam'?)",
    ]


# --- the CLI: `tfxkit validate` exits 2 with the error lines on stderr, no traceback ---


def run_validate(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tfxkit", "validate", *map(str, files)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )


def test_cli_validate_bad_spec(tmp_path):
    path = write_spec(tmp_path, ("  epochs: 10\n", "  epocs: 10\n"))
    result = run_validate(path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:22:3: trainer.epocs: unknown key (did you mean 'epochs'?)",
        f"tfxkit: 1 problem in {path}",
    ]
    assert result.stdout == ""


def test_cli_validate_several_problems(tmp_path):
    path = write_spec(tmp_path, ("trainer:\n", "trainr:\n"), ("dropout: 0.1", "dropout: 1.5"))
    result = run_validate(path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:20:12: model.dropout: 1.5 is too large (expected < 1.0)",
        f"{path}:21:1: trainr: unknown key (did you mean 'trainer'?)",
        f"tfxkit: 2 problems in {path}",
    ]


def test_cli_validate_broken_yaml_and_missing_file(tmp_path):
    path = write_spec(tmp_path, ("optimizer: adam", "optimizer: adam: x"))
    missing = tmp_path / "missing.yaml"
    result = run_validate(path, missing)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:24:18: invalid YAML: mapping values are not allowed here",
        f"tfxkit: 1 problem in {path}",
        f"{missing}:1:1: spec file not found",
        f"tfxkit: 1 problem in {missing}",
    ]


def test_cli_validate_good_spec(tmp_path):
    path = write_spec(tmp_path)
    result = run_validate(path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith(f"ok: {path} (pipeline 'penguin', spec ")
