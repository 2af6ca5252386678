"""tfxkit's Evaluator executor against TFX's: the same metrics, validation and blessing on the same models and data.

Both executors run for real in this process on one eval split: TFX's runs TFMA's Beam
pipeline, tfxkit's computes in process. The models are small Keras SavedModels with the
two signatures a tfxkit Trainer exports (serving_default and transform_features, each
on serialized tf.Examples), with fixed weights, so each test is quick and exact. Every
metric of every task tfxkit's spec offers is compared slice by slice, with a baseline
(the diffs and change thresholds) and without, and a gate that fails on one slice only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tensorflow_model_analysis as tfma  # noqa: E402
import tf_keras as keras  # noqa: E402
from absl import logging as absl_logging  # noqa: E402
from google.protobuf import json_format, wrappers_pb2  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402
from tfx.components.evaluator import executor as tfx_evaluator  # noqa: E402
from tfx.types import standard_artifacts, standard_component_specs  # noqa: E402

from tests.tfx_artifacts import examples_artifact, schema_artifact  # noqa: E402
from tfxkit.components.evaluator import executor as evaluator  # noqa: E402

ROWS = 3000
SLICES = ["colour", "size"]
FEATURES = ["x1", "x2"]


def _examples(root: Path, multivalent: bool = False) -> standard_artifacts.Examples:
    """An Examples artifact whose eval split holds ROWS rows: two floats, a string and an int slice column
    (each missing from some rows), and a label per task."""
    rng = np.random.default_rng(7)
    split = root / "Split-eval"
    split.mkdir(parents=True)
    with tf.io.TFRecordWriter(str(split / "data_tfrecord-00000-of-00001.gz"), "GZIP") as writer:
        for i in range(ROWS):
            x1, x2 = rng.normal(size=2)
            feature = {
                "x1": tf.train.Feature(float_list=tf.train.FloatList(value=[x1])),
                "x2": tf.train.Feature(float_list=tf.train.FloatList(value=[x2])),
                "binary": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(x1 + 0.5 * rng.normal() > 0)])),
                "classes": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(rng.integers(3))])),
                "target": tf.train.Feature(float_list=tf.train.FloatList(value=[2 * x1 - x2 + rng.normal()])),
            }
            if i % 11:
                colours = [b"red", b"green", "blå".encode()][i % 3:i % 3 + 1] + ([b"red"] if multivalent else [])
                feature["colour"] = tf.train.Feature(bytes_list=tf.train.BytesList(value=colours))
            if i % 7:
                feature["size"] = tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 4]))
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return examples_artifact(root, ["eval"])


def _schema(root: Path) -> standard_artifacts.Schema:
    return schema_artifact(root, {"x1": schema_pb2.FLOAT, "x2": schema_pb2.FLOAT, "colour": schema_pb2.BYTES,
                                  "size": schema_pb2.INT, "binary": schema_pb2.INT, "classes": schema_pb2.INT,
                                  "target": schema_pb2.FLOAT})


def _model(root: Path, task: str, seed: int, artifact_id: int) -> standard_artifacts.Model:
    """A Keras model on x1 and x2 with fixed random weights, exported as a tfxkit Trainer exports one."""
    label, units, activation = {"binary": ("binary", 1, "sigmoid"), "multiclass": ("classes", 3, "softmax"),
                                "regression": ("target", 1, None)}[task]
    keras.utils.set_random_seed(seed)
    inputs = {name: keras.Input((1,), name=name) for name in FEATURES}
    hidden = keras.layers.Dense(4, activation="relu")(keras.layers.Concatenate()(list(inputs.values())))
    model = keras.Model(inputs, keras.layers.Dense(units, activation=activation)(hidden))
    features = {name: tf.io.FixedLenFeature([1], tf.float32, default_value=[0.0]) for name in FEATURES}
    examples = tf.TensorSpec([None], tf.string, name="examples")

    @tf.function(input_signature=[examples])
    def serve(examples):
        return {"outputs": model(tf.io.parse_example(examples, features))}

    @tf.function(input_signature=[examples])
    def transform(examples):
        kind = tf.float32 if task == "regression" else tf.int64
        parsed = tf.io.parse_example(examples, {label: tf.io.FixedLenFeature([], kind)})
        return {f"{label}_xf": parsed[label]}

    model.save(str(root / "Format-Serving"), save_format="tf",
               signatures={"serving_default": serve, "transform_features": transform})
    artifact = standard_artifacts.Model()
    artifact.uri = str(root)
    artifact.id = artifact_id
    return artifact


METRICS = {"binary": ["BinaryAccuracy", "AUC", "Precision", "Recall", "BinaryCrossentropy", "ExampleCount"],
           "multiclass": ["SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "ExampleCount"],
           "regression": ["MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError", "ExampleCount"]}
LABELS = {"binary": "binary_xf", "multiclass": "classes_xf", "regression": "target_xf"}


def _config(task: str, thresholds: dict[str, tfma.MetricThreshold], per_slice: tuple[str, ...] = ()) -> str:
    """A TFMA config as tfxkit's plan makes one (tfxkit/dag/evaluation.py): the serving model on raw examples,
    the label from the transform graph, every metric of the task, thresholds overall or on every slice too."""
    overall = tfma.SlicingSpec()
    slices = [tfma.SlicingSpec(feature_keys=[s]) for s in SLICES]
    metrics = []
    for name in METRICS[task]:
        metric = tfma.MetricConfig(class_name=name)
        if name in thresholds:
            metric.per_slice_thresholds.append(tfma.PerSliceMetricThreshold(
                slicing_specs=[overall] + (slices if name in per_slice else []), threshold=thresholds[name]))
        metrics.append(metric)
    config = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name="serving_default", label_key=LABELS[task],
                                    preprocessing_function_names=["transform_features"])],
        slicing_specs=[overall] + slices, metrics_specs=[tfma.MetricsSpec(metrics=metrics)],
        options=tfma.Options(include_default_metrics=wrappers_pb2.BoolValue(value=False)))
    return json_format.MessageToJson(config)


def _bound(lower: float | None = None, upper: float | None = None, change: float | None = None,
           lower_is_better: bool = False) -> tfma.MetricThreshold:
    out = tfma.MetricThreshold()
    if lower is not None:
        out.value_threshold.lower_bound.value = lower
    if upper is not None:
        out.value_threshold.upper_bound.value = upper
    if change is not None:
        out.change_threshold.direction = (tfma.MetricDirection.LOWER_IS_BETTER if lower_is_better
                                          else tfma.MetricDirection.HIGHER_IS_BETTER)
        out.change_threshold.absolute.value = change
    return out


def _run(executor_class, tmp: Path, name: str, examples, schema, model, baseline, config: str):
    evaluation, blessing = standard_artifacts.ModelEvaluation(), standard_artifacts.ModelBlessing()
    evaluation.uri, blessing.uri = str(tmp / name / "evaluation"), str(tmp / name / "blessing")
    Path(blessing.uri).mkdir(parents=True)
    inputs = {standard_component_specs.EXAMPLES_KEY: [examples], standard_component_specs.MODEL_KEY: [model]}
    if schema is not None:
        inputs[standard_component_specs.SCHEMA_KEY] = [schema]
    if baseline is not None:
        inputs[standard_component_specs.BASELINE_MODEL_KEY] = [baseline]
    outputs = {standard_component_specs.EVALUATION_KEY: [evaluation],
               standard_component_specs.BLESSING_KEY: [blessing]}
    executor_class(executor_class.Context(tmp_dir=str(tmp / name / "tmp"), unique_id=name)).Do(
        inputs, outputs, {standard_component_specs.EVAL_CONFIG_KEY: config,
                          standard_component_specs.EXAMPLE_SPLITS_KEY: "null"})
    return Path(evaluation.uri), blessing


def _metrics(path: Path) -> dict[str, dict[str, float]]:
    """Each slice's metrics, keyed by the slice key and metric key protos as text."""
    out = {}
    for record in tfma.load_metrics(str(path)):
        values = {}
        for entry in record.metric_keys_and_values:
            assert entry.value.WhichOneof("type") == "double_value", entry
            values[str(entry.key)] = entry.value.double_value.value
        out[str(record.slice_key)] = values
    return out


def _validation(path: Path) -> dict:
    result = tfma.load_validation_result(str(path))
    failures = sorted(str(f) for f in result.metric_validations_per_slice)
    details = sorted(str(d) for d in result.validation_details.slicing_details)
    return {"ok": result.validation_ok, "failures": failures, "details": details,
            "missing": sorted(str(s) for s in result.missing_slices), "rubber_stamp": result.rubber_stamp}


def _compare(tmp: Path, task: str, thresholds: dict, with_baseline: bool, multivalent: bool = False,
             per_slice: tuple[str, ...] = (), with_schema: bool = False) -> tuple:
    """Runs both executors; without a schema (as tfxkit's pipelines run the Evaluator) TFMA types the slice
    columns by each feature's kind in the examples."""
    examples = _examples(tmp / "examples", multivalent)
    schema = _schema(tmp / "schema") if with_schema else None
    model = _model(tmp / "model", task, seed=1, artifact_id=11)
    baseline = _model(tmp / "baseline", task, seed=2, artifact_id=12) if with_baseline else None
    config = _config(task, thresholds, per_slice)
    theirs, their_blessing = _run(tfx_evaluator.Executor, tmp, "tfx", examples, schema, model, baseline, config)
    ours, our_blessing = _run(evaluator.Executor, tmp, "tfxkit", examples, schema, model, baseline, config)
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
    expected, got = _metrics(theirs), _metrics(ours)
    assert len(expected) > 5 and got.keys() == expected.keys()
    for slice_key, values in expected.items():
        assert got[slice_key].keys() == values.keys(), slice_key
        for key, value in values.items():
            # Keras metrics sum in float32, and TFMA's batches are not ours: equal to float32's precision.
            assert got[slice_key][key] == pytest.approx(value, rel=1e-6, abs=1e-6), (slice_key, key)
    assert _validation(ours) == _validation(theirs)
    assert sorted(p.name for p in Path(our_blessing.uri).iterdir()) == \
        sorted(p.name for p in Path(their_blessing.uri).iterdir())
    assert our_blessing.mlmd_artifact.custom_properties == their_blessing.mlmd_artifact.custom_properties
    return expected, _validation(ours)


def test_binary_metrics_slices_diffs_and_a_gate_failing_on_one_slice_equal_tfx(tmp_path):
    expected, validation = _compare(tmp_path, "binary", {
        "AUC": _bound(lower=0.5, change=-0.5), "BinaryAccuracy": _bound(lower=0.6)}, with_baseline=True,
        per_slice=("BinaryAccuracy",))
    assert not validation["ok"] and validation["failures"]  # some slice misses the per-slice accuracy bound
    assert any("is_diff: true" in key for key in expected[""])  # the overall slice compared with the baseline


def test_regression_metrics_without_a_baseline_with_a_schema_equal_tfx(tmp_path):
    gates = {"MeanSquaredError": _bound(upper=100.0), "MeanAbsoluteError": _bound(change=-0.1, lower_is_better=True)}
    _, validation = _compare(tmp_path, "regression", gates, with_baseline=False, with_schema=True)
    assert validation["ok"]  # the change threshold is not checked without a baseline


def test_multiclass_keras_metrics_with_a_baseline_equal_tfx(tmp_path):
    _compare(tmp_path, "multiclass", {"SparseCategoricalAccuracy": _bound(lower=0.1, change=-1.0)},
             with_baseline=True)


def test_without_thresholds_nothing_is_blessed_as_with_tfx(tmp_path):
    _compare(tmp_path, "binary", {}, with_baseline=False)


def test_a_slice_column_with_several_values_takes_tfmas_beam_path(tmp_path, caplog):
    verbosity = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.INFO)
    try:
        with caplog.at_level("INFO", logger="absl"):
            _compare(tmp_path, "binary", {"AUC": _bound(lower=0.5)}, with_baseline=False, multivalent=True)
    finally:
        absl_logging.set_verbosity(verbosity)
    assert "TFMA's Beam pipeline (slice column colour has several values in one example)" in caplog.text
