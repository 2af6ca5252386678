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
