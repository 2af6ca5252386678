"""The data gate's executor on real TFDV statistics and anomalies: what passes, and each reason it stops a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

tfdv = pytest.importorskip("tensorflow_data_validation")

import pandas as pd  # noqa: E402
from tfx.types import artifact_utils, standard_artifacts  # noqa: E402

from tfxkit.components.data_gate.executor import ANOMALIES_FILE, DataAnomaliesError, Executor  # noqa: E402

DRIFT = {"jensen_shannon": 0.1, "l_infinity": 0.1, "missing_increase": 0.2, "ignore": []}


def _frame(rows: int, scale: float = 1.0, species: str = "Adelie") -> pd.DataFrame:
    return pd.DataFrame({"body_mass_g": [3000.0 * scale + 10 * i for i in range(rows)],
                         "species": [species if i % 2 else "Gentoo" for i in range(rows)]})


def _statistics(root: Path, splits: dict[str, pd.DataFrame]):
    """An ExampleStatistics artifact whose Split-<name>/FeatureStats.pb TFDV computed from the frames."""
    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = str(root)
    artifact.split_names = artifact_utils.encode_split_names(list(splits))
    computed = {}
    for split, frame in splits.items():
        folder = root / f"Split-{split}"
        folder.mkdir(parents=True)
        computed[split] = tfdv.generate_statistics_from_dataframe(frame)
        (folder / "FeatureStats.pb").write_bytes(computed[split].SerializeToString())
    return artifact, computed


def _anomalies(root: Path, computed: dict, schema) -> standard_artifacts.ExampleAnomalies:
    """ExampleValidator's output: each split's statistics validated against `schema`."""
    artifact = standard_artifacts.ExampleAnomalies()
    artifact.uri = str(root)
    artifact.split_names = artifact_utils.encode_split_names(list(computed))
    for split, stats in computed.items():
        folder = root / f"Split-{split}"
        folder.mkdir(parents=True)
        (folder / ANOMALIES_FILE).write_bytes(tfdv.validate_statistics(stats, schema).SerializeToString())
    return artifact


def _gate(tmp_path: Path, splits: dict[str, pd.DataFrame], drift: str = "") -> None:
    statistics, computed = _statistics(tmp_path / "statistics", splits)
    schema = tfdv.infer_schema(tfdv.generate_statistics_from_dataframe(_frame(40)))
    anomalies = _anomalies(tmp_path / "anomalies", computed, schema)
    Executor().Do({"anomalies": [anomalies], "statistics": [statistics]}, {}, {"drift": drift})


def test_data_that_matches_its_schema_passes(tmp_path):
    _gate(tmp_path, {"train": _frame(30), "eval": _frame(10)})


def test_an_unseen_category_stops_the_run_naming_split_and_column(tmp_path):
    with pytest.raises(DataAnomaliesError) as stopped:
        _gate(tmp_path, {"train": _frame(30), "eval": _frame(10, species="Chinstrap")})
    message = str(stopped.value)
    assert message.startswith("data validation failed: 1 anomaly against the schema")
    assert "  [eval] species: Unexpected string values" in message
    assert "[train]" not in message


def test_an_empty_split_stops_the_run_before_its_anomalies_are_read(tmp_path):
    with pytest.raises(DataAnomaliesError) as stopped:
        _gate(tmp_path, {"train": _frame(30), "eval": _frame(0)})
    assert str(stopped.value) == ("data validation failed: the 'eval' split has no examples (examples per split: "
                                  "train 30, eval 0; is the data file empty or only a header?)")


def test_drift_against_the_served_models_data_stops_the_run_and_says_how_to_accept_it(tmp_path):
    baseline, _ = _statistics(tmp_path / "baseline", {"train": _frame(30), "eval": _frame(10)})
    drift = json.dumps({"baseline_uri": baseline.uri, "baseline_splits": ["train", "eval"],
                        "baseline_run": "run-1", **DRIFT})
    _gate(tmp_path / "same", {"train": _frame(30), "eval": _frame(10)}, drift)  # the same data: no drift
    with pytest.raises(DataAnomaliesError) as stopped:
        _gate(tmp_path / "grams", {"train": _frame(30, scale=1000), "eval": _frame(10, scale=1000)}, drift)
    message = str(stopped.value)
    assert message.startswith("data drift: 1 column changed against the data of the served model (pushed by run run-1)")
    assert "  [train] body_mass_g: Jensen-Shannon divergence" in message
    assert "validation.drift.enabled=false" in message
