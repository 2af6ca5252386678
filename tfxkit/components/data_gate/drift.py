"""Data drift: a run's statistics against those of the data behind the served model.

A unit change (grams to milligrams) or a column that suddenly goes mostly
missing breaks no schema rule, and when the eval split drifts with the train
split the new model is even blessed. The gate compares each split's statistics
with the served model's: Jensen-Shannon divergence on the served data's quantile
bins for numeric columns (divergence.py says why not TFDV's equal-width one),
the L-infinity distance of the value shares for categorical ones (as TFDV), plus
the rise of each column's missing share, which neither comparator sees. Each
problem is one line naming the split, the column, the statistic and both values.
"""

from __future__ import annotations

from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

from tfxkit.components.data_gate.divergence import jensen_shannon, quantile_buckets

JSD, LINF = "Jensen-Shannon divergence", "L-infinity distance"


def _features(stats: statistics_pb2.DatasetFeatureStatisticsList) -> dict[str, Any]:
    if not stats.datasets:
        return {}
    return {".".join(f.path.step) or f.name: f for f in stats.datasets[0].features}


def _common(feature) -> statistics_pb2.CommonStatistics:
    return feature.num_stats.common_stats if feature.HasField("num_stats") else feature.string_stats.common_stats


def missing_share(feature, num_examples: int) -> float:
    """Share of examples without a value for the column (a column absent from the statistics: all of them).

    TFX's CsvExampleGen writes an empty cell as a feature with no values, which
    TFDV counts as present: those examples count as missing here too.
    """
    if feature is None:
        return 1.0
    common = _common(feature)
    total = common.num_missing + common.num_non_missing or num_examples
    if not total:
        return 0.0
    if common.max_num_values <= 1:
        empty = common.num_non_missing - common.tot_num_values
    else:  # several values per example: the examples in the value-count histogram's zero bucket
        empty = sum(b.sample_count for b in common.num_values_histogram.buckets if b.high_value == 0)
    return (common.num_missing + max(empty, 0)) / total


def _shares(feature) -> dict[str, float]:
    buckets = feature.string_stats.rank_histogram.buckets or feature.string_stats.top_values
    counted = {(getattr(b, "label", "") or getattr(b, "value", "")): (getattr(b, "sample_count", 0)
                                                                         or getattr(b, "frequency", 0))
               for b in buckets}
    total = sum(counted.values())
    return {k: v / total for k, v in counted.items()} if total else {}


def _values(feature_now, feature_before, kind: str) -> str:
    """Both sides of the change in words: means for numbers, the most-changed value's share for categories."""
    if kind == JSD and feature_now.HasField("num_stats") and feature_before.HasField("num_stats"):
        return f"mean {feature_before.num_stats.mean:.6g} -> {feature_now.num_stats.mean:.6g}"
    now, before = _shares(feature_now), _shares(feature_before)
    if not now and not before:
        return ""
    value = max(set(now) | set(before), key=lambda v: abs(now.get(v, 0.0) - before.get(v, 0.0)))
    return f"share of '{value}' {before.get(value, 0.0):.1%} -> {now.get(value, 0.0):.1%}"


def _divergence(feature_now, feature_before) -> tuple[str, float | None]:
    """The column's comparator by its kind of statistics: numbers by Jensen-Shannon divergence on the baseline's
    quantile bins (divergence.py), categories by the largest change of one value's share (L-infinity)."""
    if feature_now.HasField("num_stats") and feature_before.HasField("num_stats"):
        return JSD, jensen_shannon(quantile_buckets(feature_now.num_stats), quantile_buckets(feature_before.num_stats))
    if feature_now.HasField("string_stats") and feature_before.HasField("string_stats"):
        now, before = _shares(feature_now), _shares(feature_before)
        if not now or not before:
            return LINF, None
        return LINF, max(abs(now.get(v, 0.0) - before.get(v, 0.0)) for v in set(now) | set(before))
    return JSD, None  # the column changed kind: the schema check reports it


def drift_problems(current: statistics_pb2.DatasetFeatureStatisticsList,
                   baseline: statistics_pb2.DatasetFeatureStatisticsList, config: dict[str, Any]) -> list[str]:
    """One line per drifted column: 'column: statistic value > threshold (before -> after)'."""
    ignored = set(config.get("ignore", []))
    now, before = _features(current), _features(baseline)
    thresholds = {JSD: config["jensen_shannon"], LINF: config["l_infinity"]}

    problems = []
    for name in sorted((set(now) & set(before)) - ignored):
        kind, value = _divergence(now[name], before[name])
        if value is not None and value > thresholds[kind]:
            detail = _values(now[name], before[name], kind)
            problems.append(f"{name}: {kind} {value:.4g} > {thresholds[kind]:g}" + (f" ({detail})" if detail else ""))

    rows_now = current.datasets[0].num_examples if current.datasets else 0
    rows_before = baseline.datasets[0].num_examples if baseline.datasets else 0
    for name in sorted(set(before) - ignored):
        share_now, share_before = missing_share(now.get(name), rows_now), missing_share(before[name], rows_before)
        if share_now - share_before > config["missing_increase"]:
            problems.append(f"{name}: missing share {share_before:.1%} -> {share_now:.1%} "
                            f"(a rise of more than {config['missing_increase']:.0%} points)")
    return sorted(problems)


def format_drift(found: dict[str, list[str]], baseline_run: str) -> str:
    """A message for people: what drifted per split, and how to accept an expected change."""
    count = len({line.split(":")[0] for lines in found.values() for line in lines})
    lines = [f"data drift: {count} column{'s' if count != 1 else ''} changed against the data of the served "
             f"model (pushed by run {baseline_run})"]
    for split, items in found.items():
        lines += [f"  [{split}] {item}" for item in items]
    lines.append("  if the change is expected, re-run with --set validation.drift.enabled=false (or raise the "
                 "thresholds under validation.drift, or list the column in validation.drift.ignore)")
    return "\n".join(lines)
