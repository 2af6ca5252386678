"""ServingCheck's executor on a real SavedModel (a tf.Module with a serving signature over serialized
tf.Examples, saved here) and real raw examples (a gzipped TFRecord split, as ExampleGen writes them)."""

from __future__ import annotations

import json
import os

import pytest

tf = pytest.importorskip("tensorflow")

from tfx.types import standard_artifacts  # noqa: E402

from components.serving_check import executor  # noqa: E402


class _Model(tf.Module):
    """outputs = log(x) per example: finite for x > 0, NaN for x < 0 (a model that breaks on some inputs)."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(self, serialized):
        x = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([1], tf.float32)})["x"]
        return {"outputs": tf.math.log(x)}

    @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32, name="x")])
    def dense(self, x):
        return {"outputs": x}


def _example(x: float) -> bytes:
    return tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[x])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[1])),
    })).SerializeToString()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    uri = tmp_path_factory.mktemp("model")
    module = _Model()
    tf.saved_model.save(module, str(uri / "Format-Serving"),
                        signatures={"serving_default": module.serve, "dense": module.dense})
    artifact = standard_artifacts.Model()
    artifact.uri = str(uri)
    return artifact


def _examples(tmp_path, values: list[float]):
    uri = tmp_path / "examples"
    for split in ("train", "eval"):
        (uri / f"Split-{split}").mkdir(parents=True)
        path = str(uri / f"Split-{split}" / "data_tfrecord-00000-of-00001.gz")
        with tf.io.TFRecordWriter(path, options="GZIP") as writer:
            for x in values:
                writer.write(_example(x))
    artifact = standard_artifacts.Examples()
    artifact.uri = str(uri)
    artifact.split_names = json.dumps(["train", "eval"])
    return artifact


def _run(model, examples, tmp_path, **params):
    blessing = standard_artifacts.InfraBlessing()
    blessing.uri = str(tmp_path / "blessing")
    os.makedirs(blessing.uri, exist_ok=True)
    executor.Executor().Do({"model": [model], "examples": [examples]}, {"blessing": [blessing]},
                           {"latency_requests": 5, **params})
    with open(os.path.join(blessing.uri, executor.RESULT_FILE)) as fh:
        return blessing, json.load(fh)


def test_a_model_that_serves_is_blessed_with_its_latency(model, tmp_path):
    blessing, result = _run(model, _examples(tmp_path, [1.0, 2.0, 3.0, 0.5]), tmp_path,
                            required_outputs=["outputs"], output_dtype="float32", max_latency_p95_ms=60_000.0)
    assert blessing.get_int_custom_property("blessed") == 1
    assert os.path.exists(os.path.join(blessing.uri, executor.BLESSED_FILE))
    assert result["problems"] == []
    assert result["outputs"] == {"outputs": {"shape": [4, 1], "dtype": "float32"}}
    assert result["latency_ms"]["requests"] == 5
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p95"] <= result["latency_ms"]["max"]


def test_nan_outputs_missing_keys_and_a_blown_budget_each_say_why(model, tmp_path):
    blessing, result = _run(model, _examples(tmp_path, [1.0, -1.0, -2.0]), tmp_path,
                            required_outputs=["probabilities"], output_dtype="float64", max_latency_p95_ms=0.0)
    assert blessing.get_int_custom_property("blessed") == 0
    reason = open(os.path.join(blessing.uri, executor.NOT_BLESSED_FILE)).read()
    assert "output 'outputs' has 2 NaN or infinite values" in reason
    assert "output 'probabilities' is missing (outputs: outputs)" in reason
    assert "output 'outputs' is float32, expected float64" in reason
    assert "over the budget of 0 ms" in reason
    assert result["blessed"] is False


def test_a_signature_that_does_not_take_serialized_examples_is_not_blessed(model, tmp_path):
    blessing, result = _run(model, _examples(tmp_path, [1.0]), tmp_path, signature_name="dense")
    assert blessing.get_int_custom_property("blessed") == 0
    assert result["problems"] == ["signature 'dense' takes (x: float32(None, 1)); a client sends one string tensor "
                                  "of serialized tf.Examples"]
    blessing, result = _run(model, _examples(tmp_path / "2", [1.0]), tmp_path / "2", signature_name="predict")
    assert result["problems"] == ["the model has no signature 'predict' (it has: dense, serving_default)"]


def test_a_split_that_does_not_exist_fails_the_component(model, tmp_path):
    with pytest.raises(executor.ServingCheckError, match="the examples have no split 'test' "
                                                         r"\(splits: train, eval\)"):
        _run(model, _examples(tmp_path, [1.0]), tmp_path, split="test")
