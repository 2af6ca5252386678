"""Transform's examples read and written a RecordBatch at a time inside its Beam pipeline.

TFX's Transform reads with Beam's ReadFromTFRecord and writes with WriteToTFRecord: one
Beam element per example, each through the runner's per-element machinery and Beam's
pure-Python TFRecord framing, then batched (read) or unbatched (write) around
tf.Transform's graph. At 300k taxi rows that per-example I/O was most of Transform's
time beyond tf.Transform's own work (py-spy, bench/README.md). Here a Beam element is a
whole file on the way in (tf.data reads its records in C++, tfx_bsl decodes them
BATCH rows at a time, as TFX's decoder does) and a transformed RecordBatch on the way
out (tfx_bsl's encoder, TF's TFRecord writer). tf.Transform's analysis and graph,
and so the transform graph and the examples' contents, are unchanged.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
import tensorflow as tf
from apache_beam.transforms.window import GlobalWindows
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components.transform.executor import _TRANSFORM_INTERNAL_FEATURE_FOR_KEY, _FilterInternalColumn
from tfx.dsl.io import fileio
from tfx_bsl.coders import example_coder
from tfx_bsl.tfxio import tensor_representation_util
from tfx_bsl.tfxio.tf_example_record import TFExampleRecord

from tfxkit.components.example_files import BATCH, gzip_writer, read_record_batches


class BatchedTFExampleRecord(TFExampleRecord):
    """TFX's tf.Example TFXIO over listed gzipped TFRecord files (`file_pattern`: the files themselves), whose Beam
    source yields whole RecordBatches."""

    def BeamSource(self, batch_size: int | None = None) -> beam.PTransform:  # noqa: N802 (TFXIO's name)
        schema = self._GetSchemaForDecoding()
        return _ReadRecordBatches(self._file_pattern, None if schema is None else schema.SerializeToString(),
                                  self.raw_record_column_name, batch_size or BATCH)

    def _ProjectImpl(self, tensor_names: list[str]) -> BatchedTFExampleRecord:  # noqa: N802 (TFXIO's name)
        return BatchedTFExampleRecord(
            file_pattern=self._file_pattern,
            schema=tensor_representation_util.ProjectTensorRepresentationsInSchema(self._schema, tensor_names),
            raw_record_column_name=self.raw_record_column_name, telemetry_descriptors=self.telemetry_descriptors)


class _ReadRecordBatches(beam.PTransform):
    def __init__(self, files: list[str], schema: bytes | None, raw_record_column_name: str | None, batch: int):
        super().__init__()
        self._files, self._schema, self._raw_column, self._batch = files, schema, raw_record_column_name, batch

    def expand(self, pipeline: beam.Pipeline) -> beam.PCollection:
        return (pipeline
                | "Files" >> beam.Create(self._files)
                | "ReadAndDecode" >> beam.ParDo(_DecodeFileFn(self._schema, self._raw_column, self._batch)))


class _DecodeFileFn(beam.DoFn):
    """A gzipped TFRecord file of tf.Examples as RecordBatches (example_files.py)."""

    def __init__(self, schema: bytes | None, raw_record_column_name: str | None, batch: int):
        self._schema, self._raw_column, self._batch = schema, raw_record_column_name, batch

    def setup(self) -> None:
        self._decoder = example_coder.ExamplesToRecordBatchDecoder(*([self._schema] if self._schema else []))

    def process(self, path: str) -> Iterator[pa.RecordBatch]:
        yield from read_record_batches(path, self._decoder, self._raw_column, self._batch)


class WriteRecordBatches(beam.PTransform):
    """Transformed (RecordBatch, pass-through) pairs as gzipped tf.Example TFRecords named like TFX's shards.

    Each bundle writes one file under a temporary folder beside the split's; once all
    are written they are renamed `<prefix>-0000i-of-0000n.gz` (one empty shard when no
    bundle wrote, as WriteToTFRecord does) and the folder is removed, so a reader never
    sees half a split.
    """

    def __init__(self, schema: schema_pb2.Schema, output_path: str):
        super().__init__()
        self._schema, self._output_path = schema, output_path

    def expand(self, transformed: beam.PCollection) -> beam.PCollection:
        split_dir, prefix = os.path.split(self._output_path)
        temp_dir = os.path.join(os.path.dirname(split_dir),
                                f".tfxkit-temp-{os.path.basename(split_dir)}-{uuid.uuid4().hex}")
        return (transformed
                | "EncodeAndWriteBundles" >> beam.ParDo(_EncodeBundleFn(self._schema, temp_dir))
                | "AllBundles" >> beam.combiners.ToList()
                | "NameShards" >> beam.Map(_name_shards, split_dir, prefix, temp_dir))


class _EncodeBundleFn(beam.DoFn):
    def __init__(self, schema: schema_pb2.Schema, temp_dir: str):
        self._schema, self._temp_dir = schema, temp_dir

    def setup(self) -> None:
        self._encoder = example_coder.RecordBatchToExamplesEncoder(self._schema)

    def start_bundle(self) -> None:
        self._writer: tf.io.TFRecordWriter | None = None

    def process(self, element: tuple[pa.RecordBatch, dict[str, pa.Array]]) -> None:
        record_batch = element[0]
        if _TRANSFORM_INTERNAL_FEATURE_FOR_KEY in record_batch.schema.names:  # TFX's encoder leaves it out too
            record_batch = _FilterInternalColumn(
                record_batch, record_batch.schema.names.index(_TRANSFORM_INTERNAL_FEATURE_FOR_KEY))
        if self._writer is None:
            fileio.makedirs(self._temp_dir)
            self._path = os.path.join(self._temp_dir, f"{uuid.uuid4().hex}.gz")
            self._writer = gzip_writer(self._path)
        for example in self._encoder.encode(record_batch):
            self._writer.write(example)

    def finish_bundle(self) -> Iterator[Any]:
        if self._writer is not None:
            self._writer.close()
            yield GlobalWindows.windowed_value(self._path)


def _name_shards(paths: list[str], split_dir: str, prefix: str, temp_dir: str) -> list[str]:
    fileio.makedirs(split_dir)
    if not paths:
        fileio.makedirs(temp_dir)
        paths = [os.path.join(temp_dir, "empty.gz")]
        gzip_writer(paths[0]).close()
    named = []
    for i, path in enumerate(sorted(paths)):
        named.append(os.path.join(split_dir, f"{prefix}-{i:05d}-of-{len(paths):05d}.gz"))
        fileio.rename(path, named[-1], overwrite=True)
    fileio.rmtree(temp_dir)
    return named
