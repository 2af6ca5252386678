"""CsvExampleGen's executor for a CSV file with another delimiter (`data.delimiter`).

TFX's CSV reader hard-codes ',' (in the header and in tfx_bsl's line parser);
these executors are TFX's own with another delimiter, one importable class per
delimiter (the compiled pipeline names its executor class; Kubeflow imports it
by that name). Pipelines with commas keep TFX's executor unchanged.
"""

from __future__ import annotations

import csv
import functools
from typing import Any

import apache_beam as beam
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.example_gen.csv_example_gen import executor as tfx_csv
from tfx.dsl.io import fileio
from tfx_bsl.coders import csv_decoder


def _column_names(path: str, delimiter: str) -> list[str]:
    with fileio.open(path, "r") as fh:
        return next(csv.reader([fh.readline()], delimiter=delimiter))


class _DelimitedCsvToExample(tfx_csv._CsvToExample):  # noqa: SLF001 (TFX's transform, one argument changed)
    def __init__(self, exec_properties: dict[str, Any], split_pattern: str, delimiter: str = ","):
        super().__init__(exec_properties, split_pattern)
        self._delimiter = delimiter

    def expand(self, pipeline: beam.Pipeline):
        files = fileio.glob(self._csv_pattern)
        if not files:
            raise RuntimeError(f"Split pattern {self._csv_pattern} does not match any files.")
        column_names = _column_names(files[0], self._delimiter)
        for path in files[1:]:
            if _column_names(path, self._delimiter) != column_names:
                raise RuntimeError(f"Files in same split {self._csv_pattern} have different header.")
        parsed = (pipeline
                  | "CreateFilenames" >> beam.Create(files)
                  | "ReadFromText" >> beam.ParDo(tfx_csv._ReadCsvRecordsFromTextFile())  # noqa: SLF001
                  | "ParseCSVLine" >> beam.ParDo(csv_decoder.ParseCSVLine(delimiter=self._delimiter))
                  | "ExtractParsedCSVLines" >> beam.Keys())
        column_infos = beam.pvalue.AsSingleton(
            parsed | "InferColumnTypes" >> beam.CombineGlobally(
                csv_decoder.ColumnTypeInferrer(column_names, skip_blank_lines=True)))
        return parsed | "ToTFExample" >> beam.ParDo(tfx_csv._ParsedCsvToTfExample(), column_infos)  # noqa: SLF001


class _Executor(BaseExampleGenExecutor):
    DELIMITER = ","

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return functools.partial(_DelimitedCsvToExample, delimiter=self.DELIMITER)


class SemicolonExecutor(_Executor):
    DELIMITER = ";"


class TabExecutor(_Executor):
    DELIMITER = "\t"


class PipeExecutor(_Executor):
    DELIMITER = "|"


EXECUTORS = {";": SemicolonExecutor, "\t": TabExecutor, "|": PipeExecutor}
