"""The Evaluator's TFMA config, from the plan's Evaluator parameters."""

from __future__ import annotations

from typing import Any

import tensorflow_model_analysis as tfma
from google.protobuf import wrappers_pb2


def metric_threshold(threshold: dict[str, Any]) -> tfma.MetricThreshold:
    """Absolute bounds and the change against the baseline, with the metric's direction."""
    out = tfma.MetricThreshold()
    if threshold["lower_bound"] is not None:
        out.value_threshold.lower_bound.value = threshold["lower_bound"]
    if threshold["upper_bound"] is not None:
        out.value_threshold.upper_bound.value = threshold["upper_bound"]
    if threshold["min_improvement"] is not None:
        lower = threshold["lower_is_better"]
        out.change_threshold.direction = (
            tfma.MetricDirection.LOWER_IS_BETTER if lower else tfma.MetricDirection.HIGHER_IS_BETTER
        )
        out.change_threshold.absolute.value = -threshold["min_improvement"] if lower else threshold["min_improvement"]
    return out


def eval_config(params: dict[str, Any]) -> tfma.EvalConfig:
    """TFMA config: the serving model on raw examples, label transformed by the same graph."""
    overall = tfma.SlicingSpec()
    slices = [tfma.SlicingSpec(feature_keys=[s]) for s in params["slices"]]
    metrics = []
    for planned in params["metrics"]:
        metric = tfma.MetricConfig(class_name=planned["class_name"])
        threshold = planned["threshold"]
        if threshold is not None:
            # Per-slice thresholds: TFMA applies a plain `threshold` to every slice.
            metric.per_slice_thresholds.append(tfma.PerSliceMetricThreshold(
                slicing_specs=[overall] + (slices if threshold["per_slice"] else []),
                threshold=metric_threshold(threshold),
            ))
        metrics.append(metric)
    if not any(m.class_name == "ExampleCount" for m in metrics):  # each slice's size, for the run report
        metrics.append(tfma.MetricConfig(class_name="ExampleCount"))
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(
                signature_name="serving_default",
                label_key=params["label_key"],
                preprocessing_function_names=["transform_features"],
            )
        ],
        slicing_specs=[overall] + slices,
        metrics_specs=[tfma.MetricsSpec(metrics=metrics)],
        # Only the metrics named above. TFMA's defaults (the model's compiled metrics) load every model once more
        # through Keras: on the pure-Python protobuf this lock used to hold, most of the Evaluator's time.
        options=tfma.Options(include_default_metrics=wrappers_pb2.BoolValue(value=False)),
    )
