"""The Evaluator's executor: TFMA's evaluation in this process on Beam's DirectRunner, TFX's Beam path elsewhere.

TFX's executor runs TFMA's Beam pipeline, whose metric combiners take one example at a
time (bench/README.md, Floors: 102 s of the 362 s of a 1M-row taxi run). On the
DirectRunner the same artifact, metrics, validation and blessing come from
in_process.py; a config that module does not compute as TFMA does, or any other Beam
runner (Flink, Spark, Dataflow users), takes TFX's executor unchanged. The run log
says which path each evaluation took.
"""

from __future__ import annotations

import os
from typing import Any

import tensorflow_model_analysis as tfma
from absl import logging
from tensorflow_model_analysis.api import model_eval_lib
from tensorflow_model_analysis.utils import model_util
from tfx import types
from tfx.components.evaluator import constants
from tfx.components.evaluator import executor as tfx_evaluator
from tfx.components.util import examples_utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, json_utils, path_utils, proto_utils

from tfxkit.components.direct_runner import on_direct_runner
from tfxkit.components.evaluator import in_process

_KEYS = standard_component_specs


class Executor(tfx_evaluator.Executor):
    """TFX's Evaluator executor, with TFMA's metrics computed in process where that gives TFMA's artifact."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        try:
            self._evaluate_in_process(input_dict, output_dict, exec_properties)
        except in_process.Unsupported as why:
            logging.info("tfxkit evaluator: TFMA's Beam pipeline (%s)", why)
            super().Do(input_dict, output_dict, exec_properties)

    def _evaluate_in_process(self, input_dict: dict[str, list[types.Artifact]],
                             output_dict: dict[str, list[types.Artifact]], exec_properties: dict[str, Any]) -> None:
        if not on_direct_runner(self._make_beam_pipeline()):
            raise in_process.Unsupported("a Beam runner other than the DirectRunner")
        if not exec_properties.get(_KEYS.EVAL_CONFIG_KEY) or exec_properties.get(_KEYS.MODULE_FILE_KEY) \
                or exec_properties.get(_KEYS.MODULE_PATH_KEY):
            raise in_process.Unsupported("no eval config, or a module with custom extractors or models")
        self._log_startup(input_dict, output_dict, exec_properties)
        has_baseline = bool(input_dict.get(_KEYS.BASELINE_MODEL_KEY))
        # As TFX's executor prepares the config, then TFMA's ExtractEvaluateAndWriteResults.
        eval_config = proto_utils.json_to_proto(exec_properties[_KEYS.EVAL_CONFIG_KEY], tfma.EvalConfig())
        eval_config = tfma.utils.update_eval_config_with_defaults(eval_config, has_baseline=has_baseline,
                                                                  rubber_stamp=True)
        tfma.utils.verify_eval_config(eval_config)
        run_validation = bool(tfma.metrics.metric_thresholds_from_metrics_specs(eval_config.metrics_specs,
                                                                               eval_config=eval_config))
        paths, shared_models = {}, []
        for spec in eval_config.model_specs:
            artifact = artifact_utils.get_single_instance(
                input_dict[_KEYS.BASELINE_MODEL_KEY if spec.is_baseline else _KEYS.MODEL_KEY])
            paths[spec.name] = path_utils.serving_model_path(artifact.uri,
                                                             path_utils.is_old_model_artifact(artifact))
            shared_models.append(tfma.default_eval_shared_model(
                eval_saved_model_path=paths[spec.name], model_name=spec.name, eval_config=eval_config))
        if any(m.model_type != tfma.TF_KERAS and m.model_type != tfma.TF_GENERIC for m in shared_models):
            raise in_process.Unsupported("a model that is not a Keras or generic TF SavedModel")
        eval_config = model_eval_lib._update_eval_config_with_defaults(  # noqa: SLF001
            eval_config, shared_models[0] if len(shared_models) == 1 else shared_models)
        schema = None
        if input_dict.get(_KEYS.SCHEMA_KEY):
            schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(
                artifact_utils.get_single_uri(input_dict[_KEYS.SCHEMA_KEY])))
        output_uri = artifact_utils.get_single_uri(output_dict[_KEYS.EVALUATION_KEY])
        validation = in_process.evaluate(
            eval_config, paths, _example_files(input_dict[_KEYS.EXAMPLES_KEY], exec_properties), schema,
            output_uri, rubber_stamp=model_util.has_rubber_stamp(shared_models))
        logging.info("tfxkit evaluator: TFMA's metrics computed in process; results written to %s", output_uri)
        if run_validation:
            _bless(input_dict, output_dict, exec_properties, validation.validation_ok)
        else:
            logging.info("No threshold configured, will not validate model.")


def _example_files(examples: list[types.Artifact], exec_properties: dict[str, Any]) -> list[str]:
    """Every file of the evaluated splits ('eval' unless the component names others), gzipped tf.Examples only."""
    splits = json_utils.loads(exec_properties.get(_KEYS.EXAMPLE_SPLITS_KEY, "null")) or ["eval"]
    files = []
    for artifact in examples:
        if examples_utils.get_payload_format(artifact) != example_gen_pb2.FORMAT_TF_EXAMPLE \
                or examples_utils.get_file_format(artifact) != "tfrecords_gzip":
            raise in_process.Unsupported("examples other than gzipped TFRecords of tf.Examples")
        for split in splits:
            files += sorted(fileio.glob(os.path.join(artifact_utils.get_split_uri([artifact], split), "*")))
    return files


def _bless(input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any], ok: bool) -> None:
    """The blessing as TFX's executor writes it: the models compared, and a BLESSED or NOT_BLESSED file."""
    blessing = artifact_utils.get_single_instance(output_dict[_KEYS.BLESSING_KEY])
    model = input_dict[_KEYS.MODEL_KEY][0]
    blessing.set_string_custom_property(constants.ARTIFACT_PROPERTY_CURRENT_MODEL_URI_KEY, model.uri)
    blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY, model.id)
    if input_dict.get(_KEYS.BASELINE_MODEL_KEY):
        baseline = input_dict[_KEYS.BASELINE_MODEL_KEY][0]
        blessing.set_string_custom_property(constants.ARTIFACT_PROPERTY_BASELINE_MODEL_URI_KEY, baseline.uri)
        blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_BASELINE_MODEL_ID_KEY, baseline.id)
    if "current_component_id" in exec_properties:
        blessing.set_string_custom_property("component_id", exec_properties["current_component_id"])
    name = constants.BLESSED_FILE_NAME if ok else constants.NOT_BLESSED_FILE_NAME
    io_utils.write_string_file(os.path.join(blessing.uri, name), "")
    blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_BLESSED_KEY,
                                     constants.BLESSED_VALUE if ok else constants.NOT_BLESSED_VALUE)
    logging.info("Blessing result %s written to %s.", ok, blessing.uri)
