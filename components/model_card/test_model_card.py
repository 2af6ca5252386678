"""ModelCardGen's executor on a real TFMA evaluation (run here, model-agnostic, on examples whose
predictions are known), a statistics proto, a trained_config.json and a pushed-model folder."""

from __future__ import annotations

import json
import os

import pytest

tf = pytest.importorskip("tensorflow")
tfma = pytest.importorskip("tensorflow_model_analysis")

from tensorflow_metadata.proto.v0 import statistics_pb2  # noqa: E402
from tfx.types import standard_artifacts  # noqa: E402

from components.model_card import executor  # noqa: E402
from components.model_card.component import ModelCard  # noqa: E402

# (group, label, prediction): group "a" is 2 of 2 right, group "<b>" 1 of 2 (its name tests HTML escaping).
ROWS = [("a", 1, 0.9), ("a", 0, 0.2), ("<b>", 1, 0.3), ("<b>", 0, 0.1)]


def _example(group: str, label: int, prediction: float) -> bytes:
    return tf.train.Example(features=tf.train.Features(feature={
        "group": tf.train.Feature(bytes_list=tf.train.BytesList(value=[group.encode()])),
        "label": tf.train.Feature(float_list=tf.train.FloatList(value=[label])),
        "prediction": tf.train.Feature(float_list=tf.train.FloatList(value=[prediction])),
    })).SerializeToString()


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    """A real TFMA output folder: overall and per-group accuracy of the predictions above."""
    root = tmp_path_factory.mktemp("eval")
    data = str(root / "data.tfrecord")
    with tf.io.TFRecordWriter(data) as writer:
        for row in ROWS:
            writer.write(_example(*row))
    config = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key="label", prediction_key="prediction")],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["group"])],
        metrics_specs=[tfma.MetricsSpec(metrics=[tfma.MetricConfig(class_name="BinaryAccuracy"),
                                                 tfma.MetricConfig(class_name="ExampleCount")])],
    )
    tfma.run_model_analysis(eval_config=config, data_location=data, output_path=str(root / "out"))
    artifact = standard_artifacts.ModelEvaluation()
    artifact.uri = str(root / "out")
    return artifact


def _statistics(tmp_path):
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = stats.datasets.add(num_examples=4)
    feature = dataset.features.add()
    feature.path.step.append("prediction")
    feature.num_stats.mean, feature.num_stats.min, feature.num_stats.max = 0.375, 0.1, 0.9
    uri = tmp_path / "stats"
    (uri / "Split-eval").mkdir(parents=True)
    (uri / "Split-eval" / "FeatureStats.pb").write_bytes(stats.SerializeToString())
    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = str(uri)
    artifact.split_names = json.dumps(["eval"])
    return artifact


def _model_run(tmp_path):
    uri = tmp_path / "model_run"
    uri.mkdir()
    (uri / "trained_config.json").write_text(json.dumps({
        "model": {"hidden_units": [4]}, "trainer": {"epochs": 3, "batch_size": 2}, "hyperparameters": {},
        "training": {"epochs_run": 2, "max_epochs": 3, "early_stopped_at_epoch": 2, "seconds": 1.5,
                     "final": {"loss": 0.25}},
    }))
    artifact = standard_artifacts.ModelRun()
    artifact.uri = str(uri)
    return artifact


def _run(tmp_path, evaluation, pushed: bool, facts: dict | None = None):
    destination = tmp_path / "serving" / "1700000000"
    destination.mkdir(parents=True)
    pushed_model = standard_artifacts.PushedModel()
    pushed_model.uri = str(tmp_path / "pushed")
    pushed_model.set_int_custom_property("pushed", 1 if pushed else 0)
    if pushed:
        pushed_model.set_string_custom_property("pushed_destination", str(destination))
    out = ModelCard()
    out.uri = str(tmp_path / "card")
    os.makedirs(out.uri)
    inputs = {"evaluation": [evaluation], "statistics": [_statistics(tmp_path)], "model_run": [_model_run(tmp_path)],
              "pushed_model": [pushed_model]}
    executor.Executor().Do(inputs, {"model_card": [out]}, {"run_facts": json.dumps(facts or {}), "title": None})
    return destination, out


def test_the_card_lands_beside_the_pushed_model_with_real_metrics(tmp_path, evaluation):
    facts = {"pipeline": "demo", "spec_hash": "0123abcd", "data_files": [{"path": "/d.csv", "size": 9,
                                                                          "sha256": "beef" * 16}]}
    destination, out = _run(tmp_path, evaluation, pushed=True, facts=facts)
    md = (destination / "model_card.md").read_text()
    html = (destination / "model_card.html").read_text()
    assert md == open(os.path.join(out.uri, "model_card.md")).read()
    card = json.loads(open(os.path.join(out.uri, "model_card.json")).read())
    assert card["metrics"]["all data"]["binary_accuracy"] == pytest.approx(0.75)
    assert card["metrics"]["group=a"]["binary_accuracy"] == pytest.approx(1.0)
    assert card["metrics"]["group=<b>"]["binary_accuracy"] == pytest.approx(0.5)
    assert "| all data | 0.7500 | 4.0" in md or "| all data | 0.7500 | 4 |" in md
    assert "# Model card: demo" in md
    assert "spec hash: `0123abcd` (pipeline `demo`)" in md
    assert f"data file `/d.csv`: sha256 `{'beef' * 16}` (9 bytes)" in md
    assert "epochs run: 2 of 3 (early stop at epoch 2), 1.5 s" in md
    assert "| prediction | numeric | 0.0% | 0.3750 |" in md
    assert "<td>group=&lt;b&gt;</td>" in html and "group=<b>" not in html
    assert not [n for n in os.listdir(destination) if n.startswith(".")]  # no temporary file left behind


def test_nothing_is_written_beside_a_model_that_was_not_pushed(tmp_path, evaluation):
    destination, out = _run(tmp_path, evaluation, pushed=False)
    assert os.listdir(destination) == []
    assert "Not pushed." in open(os.path.join(out.uri, "model_card.md")).read()
