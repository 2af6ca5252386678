"""StatisticsGen's executor: TFX's, with each split's statistics computed in process on one DirectRunner worker.

The statistics are TFDV's, from its own generators (in_process.py); the artifact gets the
properties TFX's executor gives it, and FeatureStats.pb is written where TFX writes it.
TFX's Beam pipeline runs unchanged on any other runner or with more than one DirectRunner
worker (`--runner beam`), for StatsOptions TFDV computes on Beam only, for sharded output,
and for examples that are not gzipped tf.Example TFRecords. The run log says which.
"""

from __future__ import annotations

import os
from typing import Any

from absl import logging
from tensorflow_data_validation.statistics import stats_options
from tfx import types
from tfx.components.statistics_gen import executor as tfx_statistics_gen
from tfx.components.util import examples_utils, tfxio_utils
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, json_utils, stats_utils
from tfx_bsl.coders import example_coder
from tfx_bsl.tfxio.tf_example_record import TFExampleRecord

from tfxkit.components.direct_runner import on_direct_runner, worker_count
from tfxkit.components.example_files import read_record_batches, why_not_batched
from tfxkit.components.statistics_gen.in_process import split_statistics, unsupported

# TFX's exec properties that select what only its Beam path does (sampling, sharded output, StatsOptions).
_BEAM_ONLY = (standard_component_specs.STATS_OPTIONS_JSON_KEY, standard_component_specs.SAMPLE_RATE_BY_SPLIT_KEY,
              standard_component_specs.SHARDED_STATS_OUTPUT_KEY)


class Executor(tfx_statistics_gen.Executor):
    """TFX's StatisticsGen executor; on one DirectRunner worker, without Beam."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        examples = artifact_utils.get_single_instance(input_dict[standard_component_specs.EXAMPLES_KEY])
        splits = _split_names(examples, exec_properties)
        options = stats_options.StatsOptions()
        if input_dict.get(standard_component_specs.SCHEMA_KEY):
            options.schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(
                artifact_utils.get_single_uri(input_dict[standard_component_specs.SCHEMA_KEY])))
        readers = {split: tfxio_utils.get_split_tfxio(examples=[examples], split=split,
                                                      telemetry_descriptors=["StatisticsGen"]) for split in splits}
        files = {split: _files(reader) for split, reader in readers.items()}
        why_not = self._why_not_in_process(exec_properties, options, readers, files)
        if why_not:
            logging.info("tfxkit StatisticsGen: TFX's Beam pipeline (%s)", why_not)
            super().Do(input_dict, output_dict, exec_properties)
            return
        self._log_startup(input_dict, output_dict, exec_properties)
        statistics = artifact_utils.get_single_instance(output_dict[standard_component_specs.STATISTICS_KEY])
        _describe(statistics, examples, splits)
        decoder = example_coder.ExamplesToRecordBatchDecoder()
        for split in splits:
            logging.info("Generating statistics for split %s.", split)  # TFX's line, which people look for
            batches = (batch for path in files[split] for batch in read_record_batches(path, decoder))
            stats = split_statistics(batches, options)
            output_uri = artifact_utils.get_split_uri([statistics], split)
            fileio.makedirs(output_uri)
            with fileio.open(os.path.join(output_uri, tfx_statistics_gen.DEFAULT_FILE_NAME), "wb") as fh:
                fh.write(stats.SerializeToString())
            logging.info("tfxkit StatisticsGen: split %s computed in process (one DirectRunner worker)", split)

    def _why_not_in_process(self, exec_properties: dict[str, Any], options: stats_options.StatsOptions,
                            readers: dict[str, Any], files: dict[str, list[str]]) -> str | None:
        pipeline = self._make_beam_pipeline()
        if not on_direct_runner(pipeline) or worker_count(pipeline) != 1:
            return "a Beam runner with workers of its own"
        given = [key for key in _BEAM_ONLY if exec_properties.get(key) not in (None, "", "null", False)]
        if given:
            return f"{', '.join(given)} set"
        if not readers:
            return "no splits"
        for split, reader in readers.items():
            why_not = why_not_batched(reader, files[split])
            if why_not:
                return f"split {split}: {why_not}"
        return unsupported(options)


def _files(reader: Any) -> list[str]:
    """The files a TFExampleRecord reads (its patterns, matched), in order; none for other TFXIOs."""
    patterns = reader._file_pattern if isinstance(reader, TFExampleRecord) else []  # noqa: SLF001 (no public name)
    return sorted(path for pattern in patterns for path in fileio.glob(pattern))


def _split_names(examples: types.Artifact, exec_properties: dict[str, Any]) -> list[str]:
    """The splits TFX's executor computes statistics for: the examples' own, less exclude_splits."""
    if examples.has_custom_property(examples_utils.CUSTOM_SPLIT_PATTERN_PROPERTY_NAME):
        splits = list(json_utils.loads(examples.get_string_custom_property(
            examples_utils.CUSTOM_SPLIT_PATTERN_PROPERTY_NAME)).keys())
    else:
        splits = artifact_utils.decode_split_names(examples.split_names)
    excluded = json_utils.loads(exec_properties.get(standard_component_specs.EXCLUDE_SPLITS_KEY, "null")) or []
    if not isinstance(excluded, list):
        raise ValueError(f"exclude_splits in execution properties needs to be a list. Got {type(excluded)} instead.")
    return [split for split in splits if split not in excluded]


def _describe(statistics: types.Artifact, examples: types.Artifact, splits: list[str]) -> None:
    """The properties TFX's executor sets on its output artifact, with the sample rate it records (none: 1.0)."""
    statistics.split_names = artifact_utils.encode_split_names(splits)
    statistics.span = examples.span
    try:
        link = stats_utils.generate_stats_dashboard_link(statistics)
    except Exception as error:  # noqa: BLE001 (TFX's own handling: the link is optional)
        logging.exception("Failed to generate stats dashboard link because %s", error)
        link = ""
    statistics.set_string_custom_property(tfx_statistics_gen.STATS_DASHBOARD_LINK, link)
    statistics.set_json_value_custom_property(tfx_statistics_gen.SAMPLE_RATE_BY_SPLIT_PROPERTY_NAME,
                                              json_utils.dumps({split: 1.0 for split in splits}))
