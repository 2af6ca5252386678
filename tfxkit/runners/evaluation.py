"""Read the Evaluator's output: overall metrics and which thresholds failed."""

from __future__ import annotations

import re

import tensorflow_model_analysis as tfma

from tfxkit.config.metrics import METRICS
from tfxkit.config.spec import PipelineSpec


def _metric_value(value) -> float | None:
    if value.HasField("double_value"):
        return value.double_value.value
    return None


def overall_metrics(evaluation_uri: str, model: str = "candidate", diff: bool = False) -> dict[str, float]:
    """A model's metrics on the whole eval split (no slice): the candidate's, the baseline's, or the
    candidate's change against the baseline (`diff`)."""
    out: dict[str, float] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        if per_slice.slice_key.single_slice_keys:
            continue
        for kv in per_slice.metric_keys_and_values:
            if kv.key.is_diff != diff or (kv.key.model_name or "candidate") != model:
                continue
            value = _metric_value(kv.value)
            if value is not None:
                out[kv.key.name] = value
    return out


def tfma_metric_name(class_name: str) -> str:
    """The key TFMA stores a metric under: 'SparseCategoricalAccuracy' -> 'sparse_categorical_accuracy'."""
    return "auc" if class_name == "AUC" else re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def spec_metrics(evaluation_uri: str, task: str, names: list[str]) -> dict[str, float]:
    """The spec's metrics (by their spec names) for the candidate model on all eval data."""
    found = overall_metrics(evaluation_uri)
    out = {}
    for name in names:
        key = tfma_metric_name(METRICS[task][name])
        if key in found:
            out[name] = found[key]
    return out


def describe_failure(failure, value: float | None) -> str:
    """'0.8712 is below lower_bound 0.9' or 'changed by -0.0300 vs the baseline (needs >= -0.02)'."""
    shown = f"{value:.4f}" if value is not None else "?"
    threshold = failure.metric_threshold
    if failure.metric_key.is_diff:
        change = threshold.change_threshold
        higher = change.direction == tfma.MetricDirection.HIGHER_IS_BETTER
        return f"changed by {shown} vs the baseline (needs {'>=' if higher else '<='} {change.absolute.value:g})"
    bounds = threshold.value_threshold
    if bounds.HasField("lower_bound") and value is not None and value < bounds.lower_bound.value:
        return f"{shown} is below lower_bound {bounds.lower_bound.value:g}"
    if bounds.HasField("upper_bound") and value is not None and value > bounds.upper_bound.value:
        return f"{shown} is above upper_bound {bounds.upper_bound.value:g}"
    return f"{shown} misses {' '.join(str(threshold).split())}"


def metric_keys(spec: PipelineSpec) -> dict[str, str]:
    """TFMA's key of each spec metric -> its name in the spec ('sparse_categorical_accuracy' -> 'accuracy')."""
    return {tfma_metric_name(METRICS[spec.model.task][name]): name for name in spec.metric_names()}


def threshold_failures(evaluation_uri: str, names: dict[str, str] | None = None) -> list[str]:
    """One line per failed threshold: metric (by its spec name, given `names` from `metric_keys`), slice, value
    and the bound it missed."""
    names = names or {}
    result = tfma.load_validation_result(evaluation_uri)
    lines = []
    for per_slice in result.metric_validations_per_slice:
        where = ", ".join(f"{k.column}={k.bytes_value.decode() or k.int64_value or k.float_value}"
                          for k in per_slice.slice_key.single_slice_keys) or "all data"
        for failure in per_slice.failures:
            value = _metric_value(failure.metric_value)
            name = names.get(failure.metric_key.name, failure.metric_key.name)
            lines.append(f"{name} {describe_failure(failure, value)} on {where}")
    if result.missing_thresholds:
        lines.append("no thresholds were checked: the Evaluator blesses a model only against declared "
                     "evaluation.thresholds")
    return lines


def metric_checks(evaluation_uri: str, spec: PipelineSpec) -> list[dict]:
    """Each spec metric on all eval data: candidate value, baseline value and change (when there was a
    baseline), its declared threshold, and whether it passed (with the failure lines), for the audit."""
    task = spec.model.task
    candidate, baseline = overall_metrics(evaluation_uri), overall_metrics(evaluation_uri, "baseline")
    change = overall_metrics(evaluation_uri, diff=True)
    failures = threshold_failures(evaluation_uri, metric_keys(spec))
    checks = []
    for name in spec.metric_names():
        key = tfma_metric_name(METRICS[task][name])
        gate = spec.evaluation.thresholds.get(name)
        failed = [line for line in failures if line.split(" ", 1)[0] == name]
        checks.append({
            "metric": name, "key": key, "value": candidate.get(key), "baseline": baseline.get(key),
            "change": change.get(key), "threshold": gate.model_dump(exclude_none=True) if gate else None,
            "passed": not failed if gate else None, "failures": failed,
        })
    return checks


def _slice_label(slice_key) -> str:
    return ", ".join(f"{k.column}={k.bytes_value.decode() or k.int64_value or k.float_value}"
                     for k in slice_key.single_slice_keys) or "all data"


def slice_metrics(evaluation_uri: str, spec: PipelineSpec) -> list[dict]:
    """Each slice's spec metrics (all data first): candidate and baseline values and its example count,
    recorded for the run report (TFMA's files need TensorFlow to read; the report must not)."""
    task = spec.model.task
    wanted = {tfma_metric_name(METRICS[task][name]): name for name in spec.metric_names()}
    rows: dict[str, dict] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        label = _slice_label(per_slice.slice_key)
        row = rows.setdefault(label, {"slice": label, "metrics": {}, "baseline": {}, "examples": None})
        for kv in per_slice.metric_keys_and_values:
            value = _metric_value(kv.value)
            if kv.key.is_diff or value is None:
                continue
            baseline = (kv.key.model_name or "candidate") == "baseline"
            if kv.key.name == "example_count" and not baseline:
                row["examples"] = int(value)
            if kv.key.name in wanted:
                row["baseline" if baseline else "metrics"][wanted[kv.key.name]] = value
    return sorted(rows.values(), key=lambda r: (r["slice"] != "all data", r["slice"]))
