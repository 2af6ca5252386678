"""Per-feature statistics from StatisticsGen's FeatureStats.pb (tensorflow_metadata protos, no TensorFlow).

TFDV writes each split's statistics as one binary DatasetFeatureStatisticsList
proto; reading it needs only the proto classes. What a person judging the data
looks at: rows per split, each feature's missing share, and its distribution
(a histogram for numbers, the most frequent values for strings).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

TOP_VALUES = 10  # most frequent values shown for a string feature


@dataclass
class SplitStats:
    """One feature in one split."""

    rows: int
    missing: float  # share of examples without a value, 0..1
    histogram: list[tuple[float, float, float]] = field(default_factory=list)  # (low, high, count)
    top_values: list[tuple[str, float]] = field(default_factory=list)  # (value, count)
    unique: int | None = None
    mean: float | None = None
    std: float | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class FeatureStats:
    """One feature across the splits."""

    name: str
    kind: str  # INT, FLOAT, STRING, BYTES, STRUCT
    splits: dict[str, SplitStats] = field(default_factory=dict)

    @property
    def numeric(self) -> bool:
        return any(s.histogram for s in self.splits.values())


def read_statistics(statistics_uri: str) -> tuple[dict[str, int], list[FeatureStats]]:
    """({split: rows}, [feature, ...] in name order) from a statistics artifact's folder."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    rows: dict[str, int] = {}
    features: dict[str, FeatureStats] = {}
    for path in sorted(glob.glob(os.path.join(statistics_uri, "Split-*", "FeatureStats.pb"))):
        split = os.path.basename(os.path.dirname(path))[len("Split-"):]
        with open(path, "rb") as fh:
            stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(fh.read())
        for dataset in stats.datasets:
            rows[split] = rows.get(split, 0) + int(dataset.num_examples)
            for feature in dataset.features:
                name = ".".join(feature.path.step) or feature.name
                kind = statistics_pb2.FeatureNameStatistics.Type.Name(feature.type)
                entry = features.setdefault(name, FeatureStats(name, kind))
                entry.splits[split] = _split_stats(feature, int(dataset.num_examples), statistics_pb2)
    order = sorted(rows, key=split_order)
    for feature in features.values():
        feature.splits = {split: feature.splits[split] for split in order if split in feature.splits}
    return {split: rows[split] for split in order}, sorted(features.values(), key=lambda f: f.name)


def split_order(split: str) -> tuple[int, str]:
    """train, then eval, then any other split by name."""
    return ({"train": 0, "eval": 1}.get(split, 2), split)


def _split_stats(feature, num_examples: int, statistics_pb2) -> SplitStats:
    kind = feature.WhichOneof("stats")
    if kind == "num_stats":
        num = feature.num_stats
        common = num.common_stats
        standard = next((h for h in num.histograms if h.type == statistics_pb2.Histogram.STANDARD), None)
        histogram = [(b.low_value, b.high_value, b.sample_count) for b in standard.buckets] if standard else []
        return SplitStats(num_examples, _missing(common, num_examples), histogram=histogram, mean=num.mean,
                          std=num.std_dev, minimum=num.min, maximum=num.max)
    if kind == "string_stats":
        string = feature.string_stats
        top = [(v.value, v.frequency) for v in string.top_values[:TOP_VALUES]]
        if not top:  # TFDV keeps the ranked values in rank_histogram when top_values is empty
            top = [(b.label, b.sample_count) for b in string.rank_histogram.buckets[:TOP_VALUES]]
        return SplitStats(num_examples, _missing(string.common_stats, num_examples), top_values=top,
                          unique=int(string.unique))
    common = getattr(feature, kind).common_stats if kind in ("bytes_stats", "struct_stats") else None
    return SplitStats(num_examples, _missing(common, num_examples) if common is not None else 0.0)


def _missing(common, num_examples: int) -> float:
    total = common.num_missing + common.num_non_missing
    return float(common.num_missing) / total if total else (1.0 if num_examples else 0.0)
