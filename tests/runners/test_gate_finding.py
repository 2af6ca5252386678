"""What stopped a run at the data gate, read from the statistics and anomalies the gate was given (real
tensorflow_metadata protos in the artifacts' folders), in the gate's own order: empty split, schema, drift."""

from __future__ import annotations

import json
from pathlib import Path

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from tests.conftest import REPO_ROOT
from tfxkit.config.load import load_spec
from tfxkit.metadata.runs import ArtifactInfo, NodeRun
from tfxkit.runners.gate_finding import GateFinding, gate_finding
from tfxkit.runners.schema_update import with_accept_hint

SPLITS = ("train", "eval")


def _statistics(root: Path, examples: dict[str, int]) -> NodeRun:
    for split, count in examples.items():
        folder = root / "stats" / f"Split-{split}"
        folder.mkdir(parents=True)
        stats = statistics_pb2.DatasetFeatureStatisticsList()
        stats.datasets.add(num_examples=count)
        (folder / "FeatureStats.pb").write_bytes(stats.SerializeToString())
    artifact = ArtifactInfo("statistics", "ExampleStatistics", str(root / "stats"),
                            {"split_names": json.dumps(list(examples))})
    return NodeRun("StatisticsGen", "COMPLETE", 1, [artifact])


def _anomalies(root: Path, found: dict[str, list[str]]) -> NodeRun:
    for split in SPLITS:
        folder = root / "anomalies" / f"Split-{split}"
        folder.mkdir(parents=True)
        anomalies = anomalies_pb2.Anomalies()
        for feature in found.get(split, []):
            anomalies.anomaly_info[feature].short_description = "Unexpected string values"
        (folder / "SchemaDiff.pb").write_bytes(anomalies.SerializeToString())
    artifact = ArtifactInfo("anomalies", "ExampleAnomalies", str(root / "anomalies"),
                            {"split_names": json.dumps(list(SPLITS))})
    return NodeRun("ExampleValidator", "COMPLETE", 2, [artifact])


def _nodes(root: Path, examples: dict[str, int], found: dict[str, list[str]]) -> dict[str, NodeRun]:
    return {"StatisticsGen": _statistics(root, examples), "ExampleValidator": _anomalies(root, found),
            "AnomaliesGate": NodeRun("AnomaliesGate", "FAILED", 3)}


def test_schema_anomalies_get_the_accept_hint(tmp_path):
    loaded = load_spec(REPO_ROOT / "pipelines/penguin.yaml")  # a curated schema
    nodes = _nodes(tmp_path, {"train": 200, "eval": 100}, {"train": ["island"]})
    assert gate_finding(nodes, loaded) is GateFinding.SCHEMA_ANOMALIES
    error = with_accept_hint("data validation failed: 1 anomaly", nodes, loaded, "20260101-120000-abcd")
    first, hint = error.split("\n")
    assert first == "data validation failed: 1 anomaly"
    assert hint.startswith("accept them: tfxkit schema update ") and "20260101-120000-abcd" in hint


def test_an_empty_split_comes_first_and_gets_no_hint(tmp_path):
    loaded = load_spec(REPO_ROOT / "pipelines/penguin.yaml")
    nodes = _nodes(tmp_path, {"train": 0, "eval": 1}, {"train": ["island", "species"]})  # its anomalies: noise
    assert gate_finding(nodes, loaded) is GateFinding.EMPTY_SPLIT
    assert with_accept_hint("no examples", nodes, loaded, "r1") == "no examples"


def test_no_empty_split_and_no_anomaly_is_drift(tmp_path):
    loaded = load_spec(REPO_ROOT / "pipelines/penguin.yaml")
    nodes = _nodes(tmp_path, {"train": 200, "eval": 100}, {})
    assert gate_finding(nodes, loaded) is GateFinding.DRIFT
    assert with_accept_hint("drifted", nodes, loaded, "r1") == "drifted"


def test_each_finding_says_what_stopped_the_run():
    reasons = {finding: finding.reason for finding in GateFinding}
    assert len(set(reasons.values())) == len(GateFinding)
    assert "no examples" in reasons[GateFinding.EMPTY_SPLIT] and "schema" in reasons[GateFinding.SCHEMA_ANOMALIES]
    assert "drift" in reasons[GateFinding.DRIFT]
