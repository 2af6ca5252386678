"""The data gate's executor: stops a run when ExampleValidator found anomalies.

ExampleValidator records anomalies but lets the pipeline go on; a declarative
pipeline whose data breaks its schema must not train on it. The gate reads
the anomalies of every split and fails with a readable list, so Transform,
Trainer and Pusher never run on bad data. It also reads StatisticsGen's
statistics: a split with zero examples (a header-only file) breaks no schema
rule, yet no model can train on it, so it stops the run too; and, once a model
is served, it compares them with the served model's data (drift.py).
"""


import json
import os
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.types.standard_artifacts import ExampleAnomalies, ExampleStatistics

from tfxkit.components.data_gate.drift import drift_problems, format_drift
from tfxkit.components.data_gate.empty_splits import empty_split_message, load_statistics, read_split_counts

ANOMALIES_FILE = "SchemaDiff.pb"
ANOMALIES_KEY, STATISTICS_KEY, DRIFT_KEY = "anomalies", "statistics", "drift"


class DataAnomaliesError(RuntimeError):
    """The data does not match the schema; the message lists every anomaly."""


def read_anomalies(artifact: ExampleAnomalies) -> "dict[str, list[str]]":
    """Per split, one readable line per anomalous feature ('feature: description')."""
    found: dict[str, list[str]] = {}
    for split in artifact_utils.decode_split_names(artifact.split_names):
        path = os.path.join(artifact_utils.get_split_uri([artifact], split), ANOMALIES_FILE)
        with open(path, "rb") as fh:
            anomalies = anomalies_pb2.Anomalies.FromString(fh.read())
        lines = [
            f"{name}: {info.short_description} ({info.description})"
            for name, info in sorted(anomalies.anomaly_info.items())
        ]
        if anomalies.HasField("dataset_anomaly_info"):
            info = anomalies.dataset_anomaly_info
            lines.append(f"<dataset>: {info.short_description} ({info.description})")
        if lines:
            found[split] = lines
    return found


def format_anomalies(found: dict[str, list[str]]) -> str:
    """A message for people: one line per split and anomaly."""
    count = sum(len(v) for v in found.values())
    lines = [f"data validation failed: {count} anomal{'y' if count == 1 else 'ies'} against the schema"]
    for split, items in found.items():
        lines += [f"  [{split}] {item}" for item in items]
    return "\n".join(lines)


def split_counts(statistics: ExampleStatistics) -> dict[str, int]:
    """Examples per split, as StatisticsGen counted them."""
    splits = artifact_utils.decode_split_names(statistics.split_names)
    return read_split_counts({s: artifact_utils.get_split_uri([statistics], s) for s in splits})


def drift_found(statistics: ExampleStatistics, drift: dict) -> dict[str, list[str]]:
    """Per split present in both, the drift problems against the baseline statistics (see drift.py)."""
    found = {}
    for split in artifact_utils.decode_split_names(statistics.split_names):
        if split not in drift["baseline_splits"]:
            continue
        current = load_statistics(artifact_utils.get_split_uri([statistics], split))
        baseline = load_statistics(os.path.join(drift["baseline_uri"], f"Split-{split}"))
        if current is not None and baseline is not None:
            problems = drift_problems(current, baseline, drift)
            if problems:
                found[split] = problems
    return found


class Executor(base_executor.BaseExecutor):
    """Fail the run if a split has no examples, any split has anomalies, or the data drifted."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        """`drift` is JSON: the served model's statistics (uri, splits, run) and the thresholds of
        `validation.drift`; empty when drift is not checked."""
        check(artifact_utils.get_single_instance(input_dict[ANOMALIES_KEY]),
              artifact_utils.get_single_instance(input_dict[STATISTICS_KEY]),
              exec_properties.get(DRIFT_KEY) or "")


def check(anomalies: ExampleAnomalies, statistics: ExampleStatistics, drift: str) -> None:
    """Raise DataAnomaliesError listing every reason the data must not be trained on."""
    empty = empty_split_message(split_counts(statistics))
    if empty:  # the anomalies of an empty split (if any) are noise beside this
        raise DataAnomaliesError(empty)
    messages = []
    found = read_anomalies(anomalies)
    if found:
        messages.append(format_anomalies(found))
    if drift:
        config = json.loads(drift)
        drifted = drift_found(statistics, config)
        if drifted:
            messages.append(format_drift(drifted, config["baseline_run"]))
    if messages:
        raise DataAnomaliesError("\n".join(messages))
