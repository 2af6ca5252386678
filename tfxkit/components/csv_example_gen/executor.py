"""CsvExampleGen's executor: TFX's CSV parsing and typing, examples serialized in C++.

TFX's own executor builds one `tf.train.Example` per row in Python and serializes
it twice (to hash it into a split, to write it). With the pure-Python
protobuf runtime the lock held until 2026-12 that cost about 4 ms a row: a minute for 15k rows, over an hour
for a million (bench/README.md, Scale). This executor reads and types the CSV exactly as TFX
does (tfx_bsl's line parser and column-type inference), gathers rows into Arrow
RecordBatches and serializes them with tfx_bsl's C++ encoder.

The C++ encoder writes a row's features in hash-map order. Each column is therefore
encoded on its own and a row's features are joined in name order, which is
protobuf's deterministic serialization of the Example: the very bytes TFX's executor
hashes to pick a row's split. Splits, statistics and models equal TFX's executor's.

TFX's reader hard-codes ',' (in the header and in tfx_bsl's line parser); one
importable executor class per delimiter (`data.delimiter`), since a compiled
pipeline names its executor class and Kubeflow imports it by that name.

On Beam's DirectRunner (the local and `beam` runners) those same steps run in this
process, one call after another, and each split goes to one gzipped TFRecord file,
as the DirectRunner writes it: per element, Beam's own overhead was most of
CsvExampleGen's time (bench/README.md, Floors), and TFX's Reshuffle before writing
held the whole dataset in the DirectRunner's memory while leaving the files in input
order (bench/README.md, Scale). On every other runner (Flink, Spark, Dataflow, a
portable job server) TFX's Beam pipeline runs, Reshuffle included.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
from absl import logging
from tfx import types
from tfx.components.example_gen import base_example_gen_executor, utils, write_split
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.example_gen.csv_example_gen import executor as tfx_csv
from tfx.components.util import examples_utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils
from tfx_bsl.coders import csv_decoder, example_coder

from tfxkit.components.direct_runner import on_direct_runner, worker_count
from tfxkit.components.example_files import gzip_writer


def _column_names(path: str, delimiter: str) -> list[str]:
    with fileio.open(path, "r") as fh:
        return next(csv.reader([fh.readline()], delimiter=delimiter))


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _features_field(example: bytes) -> bytes:
    """The Features message inside a serialized Example (field 1: tag byte, varint length, body)."""
    start = 1
    while example[start] & 0x80:
        start += 1
    return example[start + 1:]


def _empty_feature_entry(name: str) -> bytes:
    """One map entry of Features: `name` -> an empty Feature, as TFX writes a column with no value in any row."""
    key = name.encode("utf-8")
    entry = b"\x0a" + _varint(len(key)) + key + b"\x12\x00"
    return b"\x0a" + _varint(len(entry)) + entry


def encode_sorted(record_batch: pa.RecordBatch, encoder: example_coder.RecordBatchToExamplesEncoder) -> list[bytes]:
    """Serialized Examples with their features in name order (protobuf's deterministic serialization)."""
    columns = []
    for name in sorted(record_batch.schema.names):
        column = record_batch.column(record_batch.schema.get_field_index(name))
        if pa.types.is_null(column.type):  # a column empty in every row: TFX infers no type for it
            columns.append([_empty_feature_entry(name)] * record_batch.num_rows)
            continue
        if column.null_count:  # an empty cell: TFX writes an empty value list of the column's type
            column = type(column).from_arrays(column.offsets, column.values)
        one = pa.RecordBatch.from_arrays([column], [name])
        columns.append([_features_field(example) for example in encoder.encode(one)])
    rows = (b"".join(parts) for parts in zip(*columns))
    return [b"\x0a" + _varint(len(features)) + features for features in rows]


class _EncodeSorted(beam.DoFn):
    def setup(self) -> None:
        self._encoder = example_coder.RecordBatchToExamplesEncoder()

    def process(self, record_batch: pa.RecordBatch) -> Iterator[bytes]:
        yield from encode_sorted(record_batch, self._encoder)


def _files_and_columns(pattern: str, delimiter: str) -> tuple[list[str], list[str]]:
    """A split's files and their shared header, as TFX's executor checks them."""
    files = fileio.glob(pattern)
    if not files:
        raise RuntimeError(f"Split pattern {pattern} does not match any files.")
    column_names = _column_names(files[0], delimiter)
    for path in files[1:]:
        if _column_names(path, delimiter) != column_names:
            raise RuntimeError(f"Files in same split {pattern} have different header.")
    return files, column_names


def serialized_examples(pattern: str, delimiter: str) -> Iterator[bytes]:
    """One split's CSV files as serialized Examples, in file order, without Beam: the steps of
    `_CsvToSerializedExamples` called in turn. Two passes over the files, as Beam's side input does it:
    tfx_bsl's column-type inference over every row, then each batch of rows typed and encoded."""
    files, column_names = _files_and_columns(pattern, delimiter)
    parse = csv_decoder.ParseCSVLine(delimiter)
    parse.setup()

    def rows() -> Iterator[tuple[list[bytes], str]]:
        for path in files:
            for line in tfx_csv._ReadCsvRecordsFromTextFile().process(path):  # noqa: SLF001
                yield from parse.process(line)

    column_infos = infer_column_types((cells for cells, _ in rows()), column_names)
    to_record_batch = csv_decoder.BatchedCSVRowsToRecordBatch(skip_blank_lines=True)
    encoder = example_coder.RecordBatchToExamplesEncoder()
    for batch in _batched(rows()):
        for record_batch in to_record_batch.process(batch, column_infos):
            yield from encode_sorted(record_batch, encoder)


def infer_column_types(rows: Iterator[list[bytes]], column_names: list[str]) -> list[csv_decoder.ColumnInfo]:
    """What tfx_bsl's ColumnTypeInferrer gives for these rows, a batch of rows at a time.

    Its result for a column is the highest type (INT < FLOAT < STRING) of any of the
    column's cells, as its `_InferValueType` types a cell. A maximum needs each distinct
    value of a batch once, and nothing more once a column is STRING: one Python call
    per row and cell was a third of CsvExampleGen's time (bench/README.md, Floors).
    """
    inferrer = csv_decoder.ColumnTypeInferrer(column_names=column_names, skip_blank_lines=True)
    found: dict[str, csv_decoder.ColumnType] = {}
    for batch in _batched(rows):
        cells = [row for row in batch if row]  # blank lines are skipped
        for row in cells:
            if len(row) != len(column_names):
                inferrer.add_input({}, row)  # raises tfx_bsl's own error for the row
        for name, column in zip(column_names, zip(*cells)):
            highest = found.get(name)
            if highest != csv_decoder.ColumnType.STRING:
                kind = _highest_type(column)
                found[name] = kind if highest is None or kind > highest else highest
    return inferrer.extract_output(found)


# Plain decimal numbers, matched as a batch's distinct values joined by newlines, in one call. An INT has at most
# 18 digits, so it is always inside int64's range; a FLOAT has a point, so int() refuses it and float() takes it.
_INT = rb"-?\d{1,18}"
_INTS = re.compile(_INT + rb"(?:\n" + _INT + rb")*")
_NUMBER = rb"(?:" + _INT + rb"|-?\d+\.\d*|-?\.\d+)"
_NUMBERS = re.compile(_NUMBER + rb"(?:\n" + _NUMBER + rb")*")


def _highest_type(column: Iterable[bytes]) -> csv_decoder.ColumnType:
    """The highest of `_InferValueType` over a batch's cells of a column: at once when all are plain decimal
    numbers (a numeric column's usual batch, whose many distinct values cost one Python call and exception
    each), else distinct value by distinct value until one is a STRING."""
    values = set(column) - {b""}
    if not values:
        return csv_decoder.ColumnType.UNKNOWN
    joined = b"\n".join(values)
    if joined.count(b"\n") == len(values) - 1:  # no value holds a newline of its own
        if _INTS.fullmatch(joined):
            return csv_decoder.ColumnType.INT
        if _NUMBERS.fullmatch(joined):
            return csv_decoder.ColumnType.FLOAT
    highest = csv_decoder.ColumnType.UNKNOWN
    for value in values:
        highest = max(highest, csv_decoder._InferValueType(value))  # noqa: SLF001
        if highest == csv_decoder.ColumnType.STRING:
            break
    return highest


def _batched(items: Iterator[Any], size: int = 4096) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _ShardedWriter:
    """One split's gzipped TFRecord shards, records dealt round-robin: as many files as the DirectRunner has
    workers, so that StatisticsGen's and Transform's workers each read some (one reads a gzipped file whole)."""

    def __init__(self, folder: str, shards: int):
        fileio.makedirs(folder)
        name = write_split.DEFAULT_FILE_NAME
        self._files = [gzip_writer(os.path.join(folder, f"{name}-{i:05d}-of-{shards:05d}.gz")) for i in range(shards)]
        self._next = itertools.cycle(self._files)

    def write(self, record: bytes) -> None:
        next(self._next).write(record)

    def close(self) -> None:
        for out in self._files:
            out.close()


def write_in_process(exec_properties: dict[str, Any], input_config: example_gen_pb2.Input,
                     output_config: example_gen_pb2.Output, examples: types.Artifact, delimiter: str,
                     shards: int) -> None:
    """Each split's examples in input order, split by TFX's own partition function (the hash of the serialized
    example), in `shards` files per split as the DirectRunner's workers would write them."""
    input_base = exec_properties[standard_component_specs.INPUT_BASE_KEY]
    with contextlib.ExitStack() as files:
        def writer(split: str) -> _ShardedWriter:
            out = _ShardedWriter(artifact_utils.get_split_uri([examples], split), shards)
            files.callback(out.close)
            return out

        split_config = output_config.split_config
        if not split_config.splits:  # one output split per input split
            for split in input_config.splits:
                out = writer(split.name)
                for record in serialized_examples(os.path.join(input_base, split.pattern), delimiter):
                    out.write(record)
            return
        if len(input_config.splits) != 1:
            raise ValueError("input must have only one split when output split is specified.")
        buckets = list(itertools.accumulate(split.hash_buckets for split in split_config.splits))
        writers = [writer(split.name) for split in split_config.splits]
        for record in serialized_examples(os.path.join(input_base, input_config.splits[0].pattern), delimiter):
            writers[base_example_gen_executor._PartitionFn(  # noqa: SLF001
                record, len(buckets), buckets, split_config)].write(record)


@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(bytes)
class _CsvToSerializedExamples(beam.PTransform):
    """One split's CSV files to serialized Examples (TFX's `_CsvToExample`, reading and typing unchanged)."""

    def __init__(self, exec_properties: dict[str, Any], split_pattern: str, delimiter: str = ","):
        super().__init__()
        input_base = exec_properties[standard_component_specs.INPUT_BASE_KEY]
        self._pattern = os.path.join(input_base, split_pattern)
        self._delimiter = delimiter

    def expand(self, pipeline: beam.Pipeline) -> beam.PCollection:
        files, column_names = _files_and_columns(self._pattern, self._delimiter)
        lines = (pipeline
                 | "CreateFilenames" >> beam.Create(files)
                 | "ReadFromText" >> beam.ParDo(tfx_csv._ReadCsvRecordsFromTextFile()))  # noqa: SLF001
        batches = lines | "ToRecordBatch" >> csv_decoder.CSVToRecordBatch(
            column_names=column_names, desired_batch_size=None, delimiter=self._delimiter, skip_blank_lines=True)
        return batches | "ToSerializedExample" >> beam.ParDo(_EncodeSorted())


class CommaExecutor(BaseExampleGenExecutor):
    DELIMITER = ","

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return functools.partial(_CsvToSerializedExamples, delimiter=self.DELIMITER)

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        """In this process on Beam's DirectRunner; on any other runner TFX's ExampleGen Do (its Beam pipeline,
        with this executor's reading and encoding, and its Reshuffle before writing)."""
        payload = (exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY)
                   or example_gen_pb2.FORMAT_TF_EXAMPLE)
        file_format = (exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY)
                       or example_gen_pb2.FORMAT_TFRECORDS_GZIP)
        if payload != example_gen_pb2.FORMAT_TF_EXAMPLE or file_format != example_gen_pb2.FORMAT_TFRECORDS_GZIP:
            raise ValueError("tfxkit's CsvExampleGen writes tf.Examples in gzipped TFRecords only")
        pipeline = self._make_beam_pipeline()
        if not on_direct_runner(pipeline):
            super().Do(input_dict, output_dict, exec_properties)
            return
        self._log_startup(input_dict, output_dict, exec_properties)
        input_config = proto_utils.json_to_proto(
            exec_properties[standard_component_specs.INPUT_CONFIG_KEY], example_gen_pb2.Input())
        output_config = proto_utils.json_to_proto(
            exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], example_gen_pb2.Output())
        examples = artifact_utils.get_single_instance(output_dict[standard_component_specs.EXAMPLES_KEY])
        examples.split_names = artifact_utils.encode_split_names(
            utils.generate_output_split_names(input_config, output_config))
        write_in_process(exec_properties, input_config, output_config, examples, self.DELIMITER,
                         worker_count(pipeline))
        examples_utils.set_payload_format(examples, payload)
        examples_utils.set_file_format(examples, write_split.to_file_format_str(file_format))
        logging.info("tfxkit CsvExampleGen: examples read and written in process (Beam's DirectRunner)")


class SemicolonExecutor(CommaExecutor):
    DELIMITER = ";"


class TabExecutor(CommaExecutor):
    DELIMITER = "\t"


class PipeExecutor(CommaExecutor):
    DELIMITER = "|"


EXECUTORS = {",": CommaExecutor, ";": SemicolonExecutor, "\t": TabExecutor, "|": PipeExecutor}
