"""Splits with zero examples: the data gate stops them before Transform.

ExampleValidator compares statistics with a schema; a header-only file (or a
split that no row hashed into) has no feature statistics to compare, so it
finds nothing and the Trainer fails much later ("Expected input data to be
non-empty"). StatisticsGen's own count of examples per split says it at once.
Only tensorflow_metadata's protos are imported here: no TensorFlow or TFX.
"""

from __future__ import annotations

import os

from tensorflow_metadata.proto.v0 import statistics_pb2

STATISTICS_FILE = "FeatureStats.pb"


def example_count(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> int:
    """Examples in one split's statistics (the default slice: the first dataset); 0 without any."""
    return int(statistics.datasets[0].num_examples) if statistics.datasets else 0


def load_statistics(split_uri: str) -> statistics_pb2.DatasetFeatureStatisticsList | None:
    """One split's `FeatureStats.pb`, or None when the split has none."""
    path = os.path.join(split_uri, STATISTICS_FILE)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        return statistics_pb2.DatasetFeatureStatisticsList.FromString(fh.read())


def read_split_counts(split_uris: dict[str, str]) -> dict[str, int]:
    """Examples per split, from StatisticsGen's `Split-<name>/FeatureStats.pb` folders; a missing file counts 0."""
    counts = {}
    for split, uri in split_uris.items():
        stats = load_statistics(uri)
        counts[split] = example_count(stats) if stats is not None else 0
    return counts


def empty_split_message(counts: dict[str, int]) -> str | None:
    """One line naming every split with zero examples, or None when each split has some."""
    empty = [split for split, count in counts.items() if count == 0]
    if not empty:
        return None
    sizes = ", ".join(f"{split} {count}" for split, count in counts.items())
    names = " and ".join(f"'{s}'" for s in empty)
    return (f"data validation failed: the {names} split{'s have' if len(empty) > 1 else ' has'} no examples "
            f"(examples per split: {sizes}; is the data file empty or only a header?)")
