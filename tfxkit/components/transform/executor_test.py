"""tfxkit's Transform executor against TFX's: the same transform graph and the same transformed examples.

Both executors run for real in this process on the same examples and schema with
tfxkit's generic preprocessing_fn over every transform the spec offers (z-score,
0-1 scaling, bucketize, vocabulary, hash, text, pass-through, a string label), so
every tf.Transform analyzer tfxkit uses is computed by both. A pass-through `row`
column pairs each transformed example with TFX's, since neither path promises an
order within a split.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tensorflow_transform as tft  # noqa: E402
from absl import logging as absl_logging  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402
from tfx.components.transform import executor as tfx_transform  # noqa: E402
from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor  # noqa: E402
from tfx.types import standard_artifacts  # noqa: E402

from tests.tfx_artifacts import examples_artifact, schema_artifact, tf_feature, write_split  # noqa: E402
from tfxkit.components.transform import executor as transform  # noqa: E402

ROWS = {"train": 3000, "eval": 1000}
WORDS = ["good", "bad", "fine", "great", "awful", "ok", "meh", "superb"]
FEATURES = {
    "row": {"transform": "passthrough"},
    "x": {"transform": "zscore", "fill_value": 0.0},
    "y": {"transform": "scale_0_1"},
    "z": {"transform": "bucketize", "num_buckets": 5},
    "colour": {"transform": "vocabulary", "top_k": 3, "num_oov_buckets": 2},
    "size": {"transform": "hash", "num_buckets": 7},
    "review": {"transform": "text", "sequence_length": 6, "top_k": 5},
}
CONFIG = {"label": "label", "task": "binary", "features": FEATURES}


def _examples(root: Path, suffix: str = ".gz") -> standard_artifacts.Examples:
    """Train and eval splits as CsvExampleGen writes them (two gzipped files each, unless `suffix` says not):
    floats with missing values, strings, ints, free text and a string label."""
    rng = np.random.default_rng(11)
    row = 0
    for split, rows in ROWS.items():
        examples = []
        for _ in range(rows):
            feature = {"row": tf_feature([row]), "y": tf_feature([float(rng.normal(3, 2))]),
                       "z": tf_feature([float(rng.exponential(4))]),
                       "size": tf_feature([int(rng.integers(20))]),
                       "review": tf_feature([" ".join(rng.choice(WORDS, rng.integers(1, 9))).encode()]),
                       "label": tf_feature([b"yes" if rng.random() < 0.4 else b"no"])}
            if row % 9:
                feature["x"] = tf_feature([float(rng.normal(10, 5))])
            if row % 13:
                feature["colour"] = tf_feature([[b"red", b"green", b"blue", b"teal", "blå".encode()][row % 5]])
            examples.append(feature)
            row += 1
        write_split(root / f"Split-{split}", examples, suffix)
    return examples_artifact(root, list(ROWS))


def _schema(root: Path) -> standard_artifacts.Schema:
    return schema_artifact(root, {"row": schema_pb2.INT, "x": schema_pb2.FLOAT, "y": schema_pb2.FLOAT,
                                  "z": schema_pb2.FLOAT, "colour": schema_pb2.BYTES, "size": schema_pb2.INT,
                                  "review": schema_pb2.BYTES, "label": schema_pb2.BYTES})


def _run(executor_class: type, examples: standard_artifacts.Examples, schema: standard_artifacts.Schema,
         out: Path, beam_args: list[str] | None = None) -> Path:
    graph, transformed = standard_artifacts.TransformGraph(), standard_artifacts.Examples()
    graph.uri, transformed.uri = str(out / "transform_graph"), str(out / "transformed_examples")
    context = BaseBeamExecutor.Context(beam_pipeline_args=beam_args or [], tmp_dir=str(out / "tmp"), unique_id="1")
    executor_class(context).Do(
        {"examples": [examples], "schema": [schema]},
        {"transform_graph": [graph], "transformed_examples": [transformed]},
        {"preprocessing_fn": "tfxkit.modules.preprocessing.preprocessing_fn", "custom_config": json.dumps(CONFIG),
         "disable_statistics": 1, "force_tf_compat_v1": 0})
    return out


def _rows(out: Path, split: str) -> dict[int, dict[str, list]]:
    """A split's transformed examples by their `row` id, and how many files hold them."""
    files = sorted(str(p) for p in (out / "transformed_examples" / f"Split-{split}").glob("*"))
    rows = {}
    for record in tf.data.TFRecordDataset(files, "GZIP").as_numpy_iterator():
        example = tf.train.Example.FromString(record)
        values = {k: list(getattr(f, f.WhichOneof("kind")).value) for k, f in example.features.feature.items()}
        rows[int(values["row_xf"][0])] = values
    return rows


def _assert_same_outputs(theirs: Path, ours: Path) -> None:
    assert tft.TFTransformOutput(str(ours / "transform_graph")).transformed_metadata.schema \
        == tft.TFTransformOutput(str(theirs / "transform_graph")).transformed_metadata.schema
    assets = sorted(p.name for p in (theirs / "transform_graph" / "transform_fn" / "assets").iterdir())
    assert assets == ["label", "vocab_colour", "vocab_review"]
    for name in assets:
        assert (ours / "transform_graph" / "transform_fn" / "assets" / name).read_bytes() \
            == (theirs / "transform_graph" / "transform_fn" / "assets" / name).read_bytes(), name
    for split, count in ROWS.items():
        tfx_rows, our_rows = _rows(theirs, split), _rows(ours, split)
        assert len(tfx_rows) == len(our_rows) == count
        for row, values in tfx_rows.items():
            assert our_rows[row].keys() == values.keys()
            for key, value in values.items():
                # The z-score's mean and variance sum batch by batch; TFX's batch sizes are Beam's to tune.
                np.testing.assert_allclose(our_rows[row][key], value, rtol=1e-6, atol=1e-6, err_msg=f"{row} {key}")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[standard_artifacts.Examples, standard_artifacts.Schema, Path]:
    """The examples, the schema and TFX's executor's outputs on them."""
    root = tmp_path_factory.mktemp("transform")
    examples, schema = _examples(root / "examples"), _schema(root / "schema")
    return examples, schema, _run(tfx_transform.Executor, examples, schema, root / "tfx")


def _logged(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if "tfxkit Transform" in r.getMessage())


def test_the_batched_path_gives_tfx_s_graph_and_examples(data, tmp_path, caplog):
    absl_logging.set_verbosity(absl_logging.INFO)
    examples, schema, theirs = data
    ours = _run(transform.Executor, examples, schema, tmp_path)
    _assert_same_outputs(theirs, ours)
    for split in ROWS:
        shards = sorted(p.name for p in (ours / "transformed_examples" / f"Split-{split}").iterdir())
        assert shards == ["transformed_examples-00000-of-00001.gz"]
    assert not list((ours / "transformed_examples").glob(".tfxkit-temp-*"))
    log = _logged(caplog)
    assert "Split-train/* read a file at a time into RecordBatches" in log
    assert "Split-eval/transformed_examples written a RecordBatch at a time" in log
    assert "TFX's Beam" not in log


def test_each_directrunner_worker_writes_its_own_shard(data, tmp_path):
    examples, schema, theirs = data
    ours = _run(transform.Executor, examples, schema, tmp_path,
                ["--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    _assert_same_outputs(theirs, ours)
    for split in ROWS:
        shards = sorted(p.name for p in (ours / "transformed_examples" / f"Split-{split}").iterdir())
        assert shards[-1].endswith(f"-of-{len(shards):05d}.gz") and 1 <= len(shards) <= 2, shards


def test_files_that_are_not_gzipped_take_tfx_s_beam_source(data, tmp_path, caplog):
    absl_logging.set_verbosity(absl_logging.INFO)
    _, schema, theirs = data
    examples = _examples(tmp_path / "examples", suffix="")
    ours = _run(transform.Executor, examples, schema, tmp_path / "out")
    _assert_same_outputs(theirs, ours)
    log = _logged(caplog)
    assert "Split-train/* read by TFX's Beam source (files that are not gzipped)" in log
    assert "written a RecordBatch at a time" in log
