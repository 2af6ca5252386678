"""Gzipped tf.Example TFRecord files read a file at a time into RecordBatches, and written, for the executors
that read and write in batches.

tf.data reads a file's records in C++ and tfx_bsl decodes them BATCH rows at a time, as
TFX's own decoder does; TFX's Beam sources instead make every example a Beam element.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import tensorflow as tf
from tfx_bsl.coders import example_coder
from tfx_bsl.tfxio import record_based_tfxio
from tfx_bsl.tfxio import tfxio as tfxio_module
from tfx_bsl.tfxio.tf_example_record import TFExampleRecord

# Rows per RecordBatch read. TFX lets Beam tune the size up to 1,000 rows; larger batches
# cost fewer calls into tf.Transform's graph or TFDV's generators, not memory that matters.
BATCH = 8192

# zlib's fastest level. The default (6) made compressing most of the time spent writing examples: 800k
# transformed taxi examples took 5.1 s to write at level 6 and 1.6 s at level 1, in a file 26% larger
# (bench/README.md, Scale). The records, and so every reader's result, are the same.
GZIP_LEVEL = 1


def gzip_writer(path: str) -> tf.io.TFRecordWriter:
    """A writer of one gzipped TFRecord file, as the batched executors write their examples."""
    return tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP", compression_level=GZIP_LEVEL))


def why_not_batched(made: tfxio_module.TFXIO, files: list[str]) -> str | None:
    """Why TFX's own Beam source has to read these files (None: read_record_batches can)."""
    if type(made) is not TFExampleRecord:
        return "not tf.Examples in TFRecords"
    if not files:
        return "no file matches"
    if not all(f.endswith(".gz") for f in files):
        return "files that are not gzipped"
    return None


def read_record_batches(path: str, decoder: example_coder.ExamplesToRecordBatchDecoder,
                        raw_record_column_name: str | None = None, batch: int = BATCH) -> Iterator[pa.RecordBatch]:
    """One gzipped TFRecord file of tf.Examples as RecordBatches, with the raw records as a column if named."""
    records = tf.data.TFRecordDataset(path, compression_type="GZIP").batch(batch)
    for chunk in records.as_numpy_iterator():
        examples = chunk.tolist()
        decoded = decoder.DecodeBatch(examples)
        if raw_record_column_name is not None:
            decoded = record_based_tfxio.AppendRawRecordColumn(decoded, raw_record_column_name, examples)
        yield decoded
