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

TFX reshuffles each split before writing it. Beam's DirectRunner (the local and
`beam` runners) holds a GroupByKey's whole input in memory and hands it back in
arrival order, so there the Reshuffle keeps every example of the dataset in the
runner process and its workers at once and leaves the files as they would be
without it; this executor writes without it on the DirectRunner and reshuffles
on every other runner (bench/README.md, Scale).
"""

from __future__ import annotations

import csv
import functools
import os
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
from tfx import types
from tfx.components.example_gen import utils, write_split
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.example_gen.csv_example_gen import executor as tfx_csv
from tfx.components.util import examples_utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils
from tfx_bsl.coders import csv_decoder, example_coder

from tfxkit.components.direct_runner import on_direct_runner


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
        files = fileio.glob(self._pattern)
        if not files:
            raise RuntimeError(f"Split pattern {self._pattern} does not match any files.")
        column_names = _column_names(files[0], self._delimiter)
        for path in files[1:]:
            if _column_names(path, self._delimiter) != column_names:
                raise RuntimeError(f"Files in same split {self._pattern} have different header.")
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
        """TFX's ExampleGen Do (TFRecords of serialized Examples), reshuffling only off the DirectRunner.

        At 1M taxi rows under two DirectRunner workers, CsvExampleGen's process tree peaked
        at 5,962 MiB with TFX's WriteSplit and 3,782 MiB without the Reshuffle, the same
        examples in each split (`bench/scale.py --example-gen --workers 2 --rows 1000000`).
        """
        self._log_startup(input_dict, output_dict, exec_properties)
        payload = (exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY)
                   or example_gen_pb2.FORMAT_TF_EXAMPLE)
        file_format = (exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY)
                       or example_gen_pb2.FORMAT_TFRECORDS_GZIP)
        if payload != example_gen_pb2.FORMAT_TF_EXAMPLE or file_format != example_gen_pb2.FORMAT_TFRECORDS_GZIP:
            raise ValueError("tfxkit's CsvExampleGen writes tf.Examples in gzipped TFRecords only")
        input_config = proto_utils.json_to_proto(
            exec_properties[standard_component_specs.INPUT_CONFIG_KEY], example_gen_pb2.Input())
        output_config = proto_utils.json_to_proto(
            exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], example_gen_pb2.Output())
        examples = output_dict[standard_component_specs.EXAMPLES_KEY]
        artifact_utils.get_single_instance(examples).split_names = artifact_utils.encode_split_names(
            utils.generate_output_split_names(input_config, output_config))
        with self._make_beam_pipeline() as pipeline:
            shuffle = reshuffles(pipeline)
            for split, split_examples in self.GenerateExamplesByBeam(pipeline, exec_properties).items():
                _ = split_examples | f"WriteSplit[{split}]" >> WriteSplit(
                    artifact_utils.get_split_uri(examples, split), shuffle)
        for artifact in examples:
            examples_utils.set_payload_format(artifact, payload)
            examples_utils.set_file_format(artifact, write_split.to_file_format_str(file_format))


def reshuffles(pipeline: beam.Pipeline) -> bool:
    """Whether the splits are reshuffled before writing: on every runner but Beam's DirectRunner."""
    return not on_direct_runner(pipeline)


@beam.ptransform_fn
def WriteSplit(examples: beam.PCollection, split_uri: str, shuffle: bool) -> beam.pvalue.PDone:
    """TFX's WriteSplit for serialized Examples, with its Reshuffle only when `shuffle`."""
    if shuffle:
        examples = examples | "Shuffle" >> beam.Reshuffle()
    return examples | "Write" >> beam.io.WriteToTFRecord(
        os.path.join(split_uri, write_split.DEFAULT_FILE_NAME), file_name_suffix=".gz")


class SemicolonExecutor(CommaExecutor):
    DELIMITER = ";"


class TabExecutor(CommaExecutor):
    DELIMITER = "\t"


class PipeExecutor(CommaExecutor):
    DELIMITER = "|"


EXECUTORS = {",": CommaExecutor, ";": SemicolonExecutor, "\t": TabExecutor, "|": PipeExecutor}
