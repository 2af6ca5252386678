"""TFMA's evaluation computed in this process from whole batches, written as TFMA writes it.

TFMA's Beam path turns every eval example into Python objects and hands it to each
metric's combiner one at a time: at 1M taxi rows the Evaluator took 102 s where
predicting and counting take 4 s (bench/README.md, Floors). Here the models run on
batches of serialized examples, and each of TFMA's combiners gets the accumulator it
would have built, computed with numpy over the batch. Everything before and after the
combiners is TFMA's own code: the computations from the metrics specs, the derived
metrics (AUC from the calibration histogram, accuracy from the confusion matrix), the
diff against the baseline, the validation against the thresholds, the MetricsForSlice
and ValidationResult protos and the eval config file, so `tfma.load_metrics`,
`tfma.load_validation_result` and the blessing read the same artifact.

What this module does not compute as TFMA would (a combiner it does not know, example
weights, a multi-output model, a slice column with several values in one example,
confidence intervals, cross slices...) raises `Unsupported` before anything is written,
and the executor takes TFMA's path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import tensorflow as tf
import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tensorflow_metadata.proto.v0 import schema_pb2
from tensorflow_model_analysis import constants
from tensorflow_model_analysis import version as tfma_version
from tensorflow_model_analysis.contrib.aggregates import binary_confusion_matrices as bcm
from tensorflow_model_analysis.evaluators import metrics_plots_and_validations_evaluator as mpv_evaluator
from tensorflow_model_analysis.evaluators import metrics_validator
from tensorflow_model_analysis.metrics import (
    binary_confusion_matrices,
    calibration_histogram,
    example_count,
    mean_regression_error,
    metric_specs,
    metric_types,
    tf_metric_wrapper,
)
from tensorflow_model_analysis.proto import config_pb2
from tensorflow_model_analysis.proto.validation_result_pb2 import ValidationResult
from tensorflow_model_analysis.writers import metrics_plots_and_validations_writer as mpv_writer
from tfx_bsl.coders import example_coder

BATCH = 8192
SliceKey = tuple


class Unsupported(Exception):
    """The evaluation asks for something this module does not compute as TFMA does."""


@dataclass
class Model:
    """One model of the evaluation: its name in the eval config ('' when alone) and signatures."""

    name: str
    loaded: Any  # the SavedModel: its signatures' variables live as long as it does
    serve: Callable[..., dict[str, tf.Tensor]]
    transform: Callable[..., dict[str, tf.Tensor]]


@dataclass
class Batch:
    """What the combiners read of a batch: per model, labels (n,) and predictions (n, k)."""

    labels: dict[str, np.ndarray]
    predictions: dict[str, np.ndarray]

    def of(self, model_name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.labels[model_name], self.predictions[model_name]


# ----------------------------------------------------------------- combiners, from arrays

def _fractional(labels: np.ndarray, predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TFMA's fractional labels, flattened: (0, p, 1 - l) and (1, p, l) per example, zero weights dropped."""
    p = predictions.reshape(len(labels), -1)
    if p.shape[1] != 1:
        raise Unsupported("a binary metric on a prediction of several values")
    p = p[:, 0].astype(np.float64)
    label = labels.astype(np.float64)
    if np.any((label < 0) | (label > 1)):
        raise Unsupported("a binary metric on labels outside [0, 1]")
    out_labels = np.concatenate([np.zeros_like(label), np.ones_like(label)])
    out_predictions = np.concatenate([p, p])
    weights = np.concatenate([1.0 - label, label])
    keep = weights != 0
    return out_labels[keep], out_predictions[keep], weights[keep]


def _histogram_sums(combiner: calibration_histogram._CalibrationHistogramCombiner) -> np.ndarray:
    """Per bucket (TFMA's underflow, num_buckets, overflow): tuples, weighted labels, predictions, examples."""
    if not combiner._fractional_labels or not combiner._prediction_based_bucketing:  # noqa: SLF001
        raise Unsupported("a calibration histogram other than AUC's")
    return np.zeros((4, combiner._num_buckets + 2))  # noqa: SLF001


def _histogram(combiner: calibration_histogram._CalibrationHistogramCombiner, sums: np.ndarray,
               batch: Batch) -> np.ndarray:
    labels, predictions, weights = _fractional(*batch.of(combiner._key.model_name))  # noqa: SLF001
    buckets = combiner._num_buckets  # noqa: SLF001
    index = (predictions - combiner._left) / combiner._range * buckets + 1  # noqa: SLF001
    index = np.where(index < 0, 0, np.where(index >= buckets + 1, buckets + 1, np.trunc(index))).astype(np.int64)
    for row, values in enumerate((None, labels * weights, predictions * weights, weights)):
        sums[row] += np.bincount(index, values, buckets + 2)
    return sums


def _histogram_buckets(combiner: calibration_histogram._CalibrationHistogramCombiner, sums: np.ndarray) -> dict:
    """TFMA's accumulator: a Bucket for each bucket some tuple fell in."""
    return {int(i): calibration_histogram.Bucket(int(i), float(sums[1, i]), float(sums[2, i]), float(sums[3, i]))
            for i in np.flatnonzero(sums[0])}


def _confusion_matrices(combiner: binary_confusion_matrices._BinaryConfusionMatrixCombiner, acc: dict,
                        batch: Batch) -> dict:
    matrices = combiner._binary_confusion_matrices  # noqa: SLF001
    if not combiner._enable_fractional_labels:  # noqa: SLF001
        raise Unsupported("a confusion matrix without fractional labels")
    labels, predictions, weights = _fractional(*batch.of(combiner._key.model_name))  # noqa: SLF001
    positive = labels == 1.0
    for threshold in matrices._thresholds:  # noqa: SLF001
        above = predictions > threshold
        entry = bcm._ThresholdEntry(  # noqa: SLF001
            bcm.Matrix(tp=float(weights[positive & above].sum()), tn=float(weights[~positive & ~above].sum()),
                       fp=float(weights[~positive & above].sum()), fn=float(weights[positive & ~above].sum())),
            [], [], [], [])
        acc[threshold] = matrices._merge_entry(acc, threshold, entry)  # noqa: SLF001
    return acc


def _example_count(combiner: example_count._ExampleCountCombiner, acc: float, batch: Batch) -> float:
    return acc + float(len(next(iter(batch.labels.values()))))


def _regression_error(combiner: mean_regression_error._MeanRegressionErrorCombiner, acc: Any, batch: Batch) -> Any:
    labels, predictions = batch.of(combiner._metric_key.model_name)  # noqa: SLF001
    predictions = predictions.reshape(len(labels), -1)
    if predictions.shape[1] != 1:
        raise Unsupported("a regression error on a prediction of several values")
    difference = labels.astype(np.float64) - predictions[:, 0].astype(np.float64)
    errors = {mean_regression_error._MeanSquaredErrorCombiner: np.square,  # noqa: SLF001
              mean_regression_error._MeanAbsoluteErrorCombiner: np.absolute}.get(type(combiner))  # noqa: SLF001
    if errors is None:
        raise Unsupported(f"TFMA's {type(combiner).__name__}")
    error = errors(difference)
    keep = ~np.isnan(error)
    acc.total_regression_error += float(error[keep].sum())
    acc.total_example_weights += float(keep.sum())
    return acc


def _keras(combiner: tf_metric_wrapper._CompilableMetricsCombiner, acc: Any, batch: Batch) -> Any:
    """Keras metrics as TFMA's combiner runs them: update_state on a batch, the weights summed."""
    combiner.setup()
    labels, predictions = batch.of(combiner._model_name)  # noqa: SLF001
    weights = np.ones((len(labels), 1), np.float32)
    inputs = (labels.reshape(len(labels), 1), predictions.reshape(len(labels), -1), weights)
    for output_index, output_name in enumerate(combiner._output_names):  # noqa: SLF001
        for metric_index, metric in enumerate(combiner._metrics[output_name]):  # noqa: SLF001
            metric.reset_states()
            metric.update_state(*inputs)
            acc.add_weights(output_index, metric_index, metric.get_weights())
    return acc


@dataclass(frozen=True)
class Accumulate:
    """How one kind of TFMA combiner is fed: a state from the combiner, each batch added, TFMA's accumulator."""

    add: Callable[[Any, Any, Batch], Any]
    create: Callable[[Any], Any] = lambda combiner: combiner.create_accumulator()
    finish: Callable[[Any, Any], Any] = lambda combiner, state: state


COMBINERS: dict[type, Accumulate] = {
    calibration_histogram._CalibrationHistogramCombiner: Accumulate(_histogram, _histogram_sums,  # noqa: SLF001
                                                                    _histogram_buckets),
    binary_confusion_matrices._BinaryConfusionMatrixCombiner: Accumulate(_confusion_matrices),  # noqa: SLF001
    example_count._ExampleCountCombiner: Accumulate(_example_count),  # noqa: SLF001
    mean_regression_error._MeanSquaredErrorCombiner: Accumulate(_regression_error),  # noqa: SLF001
    mean_regression_error._MeanAbsoluteErrorCombiner: Accumulate(_regression_error),  # noqa: SLF001
    tf_metric_wrapper._CompilableMetricsCombiner: Accumulate(_keras),  # noqa: SLF001
}


# ----------------------------------------------------------------- the evaluation

def _check_config(eval_config: tfma.EvalConfig) -> None:
    if eval_config.cross_slicing_specs or eval_config.options.compute_confidence_intervals.value:
        raise Unsupported("cross slices or confidence intervals")
    if eval_config.options.min_slice_size.value > 1:
        raise Unsupported("a minimum slice size")
    for spec in eval_config.model_specs:
        if spec.example_weight_key or spec.example_weight_keys or spec.label_keys or spec.prediction_key \
                or spec.prediction_keys or len(spec.preprocessing_function_names) != 1:
            raise Unsupported("example weights, several outputs or several preprocessing functions")
    for spec in eval_config.metrics_specs:
        if spec.output_names or spec.HasField("binarize") or spec.HasField("aggregate") or spec.query_key \
                or spec.example_weights.weighted:
            raise Unsupported("a metrics spec with outputs, binarization, aggregation, queries or example weights")
    for spec in eval_config.slicing_specs:
        if len(spec.feature_keys) > 1 or spec.feature_values or spec.slice_keys_sql:
            raise Unsupported("a slicing spec other than one column")


def _computations(eval_config: tfma.EvalConfig, schema: schema_pb2.Schema | None) -> Any:
    computations = mpv_evaluator._filter_and_separate_computations(  # noqa: SLF001
        metric_specs.to_computations(eval_config.metrics_specs, eval_config=eval_config, schema=schema))
    if computations.cross_slice_computations or computations.ci_derived_computations:
        raise Unsupported("cross-slice or confidence-interval metrics")
    for computation in computations.non_derived_computations:
        if type(computation.combiner) not in COMBINERS:
            raise Unsupported(f"TFMA's {type(computation.combiner).__name__}")
    return computations


def _load(path: str, name: str, label_key: str, slice_columns: list[str]) -> Model:
    loaded = tf.saved_model.load(path)
    signatures = loaded.signatures
    if "serving_default" not in signatures or "transform_features" not in signatures:
        raise Unsupported("a model without serving_default and transform_features signatures")
    for signature in (signatures["serving_default"], signatures["transform_features"]):
        if list(signature.structured_input_signature[1]) != ["examples"]:
            raise Unsupported("a signature that does not take serialized examples")
    if len(signatures["serving_default"].structured_outputs) != 1:
        raise Unsupported("a model with several outputs")
    transformed = signatures["transform_features"].structured_outputs
    if label_key not in transformed:
        raise Unsupported(f"a label {label_key} that the transform graph does not output")
    if any(column in transformed for column in slice_columns):
        raise Unsupported("a slice column that is also a transformed feature (TFMA slices on the transformed one)")
    return Model(name, loaded, signatures["serving_default"], signatures["transform_features"])


def _batches(files: list[str]) -> Iterator[tf.Tensor]:
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP", num_parallel_reads=1).batch(BATCH)
    yield from dataset.prefetch(1)


def _slice_columns(eval_config: tfma.EvalConfig) -> list[str]:
    return sorted({spec.feature_keys[0] for spec in eval_config.slicing_specs if spec.feature_keys})


def _slice_rows(size: int, decoded: pa.RecordBatch | None, columns: list[str]
                ) -> Iterator[tuple[SliceKey, np.ndarray]]:
    """The overall slice, then each value of each slice column with the rows that hold it, the values typed as
    TFMA's slicer sees them (strings decoded from UTF-8)."""
    yield (), np.arange(size)
    for column in columns:
        index = decoded.schema.get_field_index(column)
        if index < 0 or pa.types.is_null(decoded.column(index).type.value_type):
            continue  # no example of the batch has it: it is in no slice of this column
        values = decoded.column(index)
        if pc.max(pc.list_value_length(values)).as_py() > 1:
            raise Unsupported(f"slice column {column} has several values in one example")
        rows = pc.list_parent_indices(values).to_numpy()
        flat = values.flatten().to_numpy(zero_copy_only=False)
        for value in np.unique(flat):
            key_value = tf.compat.as_text(value) if isinstance(value, bytes) else value.item()
            yield ((column, key_value),), rows[flat == value]


def _sliced_accumulators(models: list[Model], files: list[str], computations: list, slice_columns: list[str],
                         schema: schema_pb2.Schema | None, label_key: str) -> dict[SliceKey, list]:
    # TFMA's TFXIO decodes the examples as this decoder does, by the schema or else by each feature's kind.
    decoder = example_coder.ExamplesToRecordBatchDecoder(schema.SerializeToString() if schema else None)
    accumulators: dict[SliceKey, list] = {}
    for serialized in _batches(files):
        labels, predictions = {}, {}
        for model in models:
            label = model.transform(examples=serialized)[label_key].numpy()
            if label.ndim > 2 or (label.ndim == 2 and label.shape[1] != 1):
                raise Unsupported(f"a label {label_key} of shape {label.shape[1:]}")
            labels[model.name] = label.reshape(-1)
            predictions[model.name] = next(iter(model.serve(examples=serialized).values())).numpy()
        decoded = decoder.DecodeBatch(serialized.numpy().tolist()) if slice_columns else None
        for key, rows in _slice_rows(len(labels[models[0].name]), decoded, slice_columns):
            batch = Batch({k: v[rows] for k, v in labels.items()}, {k: v[rows] for k, v in predictions.items()})
            if key not in accumulators:
                accumulators[key] = [COMBINERS[type(c.combiner)].create(c.combiner) for c in computations]
            accumulators[key] = [COMBINERS[type(c.combiner)].add(c.combiner, acc, batch)
                                 for c, acc in zip(computations, accumulators[key])]
    return accumulators


def _with_diffs(metrics: dict, baseline: str | None) -> dict:
    """TFMA's AddDiffMetrics: candidate minus baseline for every public numeric metric both have."""
    if not baseline:
        return metrics
    diffs = {}
    for key, value in metrics.items():
        if mpv_evaluator._is_private_metrics(key) or key.is_diff or key.model_name == baseline:  # noqa: SLF001
            continue
        base = key.make_baseline_key(baseline)
        if base in metrics and mpv_evaluator._is_metric_diffable(value):  # noqa: SLF001
            diffs[key.make_diff_key()] = value - metrics[base]
    return {**metrics, **diffs}


def _write_records(path: str, records: list[bytes]) -> None:
    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)


def evaluate(eval_config: tfma.EvalConfig, model_paths: dict[str, str], example_files: list[str],
             schema: schema_pb2.Schema | None, output_uri: str, rubber_stamp: bool) -> ValidationResult:
    """Writes to `output_uri` what TFMA's ExtractEvaluateAndWriteResults writes for this config and these models;
    returns the validation result it wrote.

    `eval_config` is TFMA's, after TFX's and TFMA's defaults (model names, baseline); `model_paths` maps each
    model spec's name to its serving model directory.
    """
    _check_config(eval_config)
    computations = _computations(eval_config, schema)
    slice_columns = _slice_columns(eval_config)
    label_keys = {spec.label_key for spec in eval_config.model_specs}
    if len(label_keys) != 1:
        raise Unsupported("models with different label keys")
    label_key = label_keys.pop()
    models = [_load(model_paths[spec.name], spec.name, label_key, slice_columns) for spec in eval_config.model_specs]
    accumulators = _sliced_accumulators(models, example_files, computations.non_derived_computations,
                                        slice_columns, schema, label_key)
    baseline = tfma.utils.get_baseline_model_spec(eval_config)
    metrics_records = []
    combine = mpv_writer.CombineValidations(eval_config, rubber_stamp=rubber_stamp)
    validation = combine.create_accumulator()
    for key, accs in accumulators.items():
        metrics: dict = {}
        for computation, acc in zip(computations.non_derived_computations, accs):
            combiner = computation.combiner
            metrics.update(combiner.extract_output(COMBINERS[type(combiner)].finish(combiner, acc)))
        with np.errstate(divide="ignore", invalid="ignore"):  # e.g. recall on a slice without positives: NaN
            for derived in computations.derived_computations:
                metrics.update(derived.result(metrics))
        metrics = _with_diffs(metrics, baseline.name if baseline else None)
        metrics = {k: v for k, v in metrics.items()
                   if isinstance(k, metric_types.MetricKey) and not mpv_evaluator._is_private_metrics(k)}  # noqa: SLF001
        metrics_records.append(mpv_writer.convert_slice_metrics_to_proto((key, metrics), add_metrics_callbacks=[])
                               .SerializeToString())
        validation = combine.add_input(validation, metrics_validator.validate_metrics((key, metrics), eval_config))
    validation = combine.extract_output(validation)
    tf.io.gfile.makedirs(output_uri)
    suffix = "-00000-of-00001.tfrecord"
    _write_records(os.path.join(output_uri, constants.METRICS_KEY + suffix), metrics_records)
    _write_records(os.path.join(output_uri, constants.PLOTS_KEY + suffix), [])
    _write_records(os.path.join(output_uri, constants.ATTRIBUTIONS_KEY + suffix), [])
    _write_records(os.path.join(output_uri, constants.VALIDATIONS_KEY + ".tfrecord"), [validation.SerializeToString()])
    # What TFMA's EvalConfigWriter records when TFX's executor gives it no data location.
    run = config_pb2.EvalRun(eval_config=eval_config, version=tfma_version.VERSION,
                             data_location="<user provided PCollection>", file_format="<unknown>",
                             model_locations=model_paths)
    with tf.io.gfile.GFile(os.path.join(output_uri, "eval_config.json"), "w") as fh:
        fh.write(json_format.MessageToJson(run))
    return validation
