"""TFX input artifacts for tests that call an executor's Do directly (tfxkit/components/<name>/executor_test.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts


def examples_artifact(root: Path, splits: list[str]) -> standard_artifacts.Examples:
    """Examples as CsvExampleGen records them: gzipped tf.Example TFRecords under root/Split-<name>."""
    artifact = standard_artifacts.Examples()
    artifact.uri = str(root)
    artifact.split_names = json.dumps(splits)
    examples_utils.set_payload_format(artifact, example_gen_pb2.FORMAT_TF_EXAMPLE)
    examples_utils.set_file_format(artifact, "tfrecords_gzip")
    return artifact


def tf_feature(values: list):
    """A tf.train.Feature of the values' kind (bytes, float, else int64; an empty list is an empty int64 list)."""
    import tensorflow as tf

    if values and isinstance(values[0], bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    if values and isinstance(values[0], float):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def write_split(folder: Path, rows: list[dict], suffix: str = ".gz") -> None:
    """A split's tf.Examples (feature name -> tf.train.Feature per row) in two TFRecord files, row i in file i % 2,
    gzipped unless `suffix` says not."""
    import tensorflow as tf

    folder.mkdir(parents=True)
    writers = [tf.io.TFRecordWriter(str(folder / f"data_tfrecord-{i:05d}-of-00002{suffix}"),
                                    "GZIP" if suffix == ".gz" else "") for i in range(2)]
    for i, feature in enumerate(rows):
        writers[i % 2].write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    for writer in writers:
        writer.close()


def schema_artifact(root: Path, features: dict[str, int]) -> standard_artifacts.Schema:
    """A Schema artifact in `root` holding each feature with its schema_pb2 type (FLOAT, INT, BYTES)."""
    schema = schema_pb2.Schema()
    for name, kind in features.items():
        schema.feature.add(name=name, type=kind)
    root.mkdir(parents=True)
    (root / "schema.pbtxt").write_text(str(schema))
    artifact = standard_artifacts.Schema()
    artifact.uri = str(root)
    return artifact
