"""Transform's executor: TFX's, with examples read and written a RecordBatch at a time on Beam's DirectRunner.

tf.Transform's analysis, its transform graph and what each transformed example holds
are TFX's own; only the reading of tf.Examples and the writing of the transformed
ones change (batched_io.py says why). On any other Beam runner (Flink, Spark,
Dataflow users), or for input that is not gzipped tf.Example TFRecords, or output that
is not TFRecords, TFX's executor runs unchanged. The run log says which path each
split's reading and writing took.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from absl import logging
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx import types
from tfx.components.transform import executor as tfx_transform
from tfx.components.transform import labels
from tfx.dsl.io import fileio
from tfx_bsl.tfxio import tfxio as tfxio_module

from tfxkit.components.direct_runner import on_direct_runner
from tfxkit.components.example_files import why_not_batched
from tfxkit.components.transform.batched_io import BatchedTFExampleRecord, WriteRecordBatches

# TFX's own, kept under a name of ours: Do swaps the module's name for the subclass below.
_TFXProcessor = tfx_transform.TransformProcessor


class _BatchedProcessor(_TFXProcessor):
    """TFX's TransformProcessor whose examples source and sink are batched_io's."""

    def _CreateTFXIO(self, dataset: Any, schema: schema_pb2.Schema) -> tfxio_module.TFXIO:  # noqa: N802 (TFX's name)
        made = super()._CreateTFXIO(dataset, schema)
        files = sorted(fileio.glob(dataset.file_pattern))
        why_not = why_not_batched(made, files)
        if why_not:
            logging.info("tfxkit Transform: %s read by TFX's Beam source (%s)", dataset.file_pattern, why_not)
            return made
        logging.info("tfxkit Transform: %s read a file at a time into RecordBatches (Beam's DirectRunner)",
                     dataset.file_pattern)
        return BatchedTFExampleRecord(file_pattern=files, schema=schema, raw_record_column_name=made.raw_record_column_name,
                                      telemetry_descriptors=made.telemetry_descriptors)

    @staticmethod
    def _EncodeAndWrite(schema: schema_pb2.Schema, file_format: str, output_path: str) -> beam.PTransform:  # noqa: N802
        if file_format != labels.FORMAT_TFRECORD:
            logging.info("tfxkit Transform: %s written by TFX's Beam sink (%s)", output_path, file_format)
            return _TFXProcessor._EncodeAndWrite(  # noqa: SLF001
                schema=schema, file_format=file_format, output_path=output_path)
        logging.info("tfxkit Transform: %s written a RecordBatch at a time (Beam's DirectRunner)", output_path)
        return WriteRecordBatches(schema, output_path)


# TFX's Executor.Do makes its TransformProcessor by the module-level name, with no hook to
# pass another; the swap below is held for the whole run and one run at a time.
_SWAP = threading.Lock()


@contextlib.contextmanager
def _batched_processor() -> Iterator[None]:
    with _SWAP:
        tfx_transform.TransformProcessor = _BatchedProcessor
        try:
            yield
        finally:
            tfx_transform.TransformProcessor = _TFXProcessor


class Executor(tfx_transform.Executor):
    """TFX's Transform executor; on Beam's DirectRunner its examples are read and written in batches."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        if not on_direct_runner(self._make_beam_pipeline()):
            logging.info("tfxkit Transform: TFX's Beam reading and writing (a Beam runner other than the DirectRunner)")
            super().Do(input_dict, output_dict, exec_properties)
            return
        with _batched_processor():
            super().Do(input_dict, output_dict, exec_properties)
