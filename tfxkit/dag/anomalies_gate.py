"""AnomaliesGate: stops a run when ExampleValidator found anomalies.

ExampleValidator records anomalies but lets the pipeline go on; a declarative
pipeline whose data breaks its schema must not train on it. The gate reads
the anomalies of every split and fails with a readable list, so Transform,
Trainer and Pusher never run on bad data. It also reads StatisticsGen's
statistics: a split with zero examples (a header-only file) breaks no schema
rule, yet no model can train on it, so it stops the run too.
"""


import os

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.dsl.component.experimental.annotations import InputArtifact
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils
from tfx.types.standard_artifacts import ExampleAnomalies, ExampleStatistics

from tfxkit.dag.empty_splits import empty_split_message, read_split_counts

ANOMALIES_FILE = "SchemaDiff.pb"


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


@component
def AnomaliesGate(anomalies: InputArtifact[ExampleAnomalies],  # noqa: N802 (TFX component name)
                  statistics: InputArtifact[ExampleStatistics]) -> None:
    """Fail the run if a split has no examples or any split has anomalies."""
    empty = empty_split_message(split_counts(statistics))
    if empty:  # the anomalies of an empty split (if any) are noise beside this
        raise DataAnomaliesError(empty)
    found = read_anomalies(anomalies)
    if found:
        raise DataAnomaliesError(format_anomalies(found))
