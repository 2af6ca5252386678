"""ServingCheck executor: load the SavedModel, call its serving signature, bless it or say why not.

Check failures (no such signature, wrong input type, an output of the wrong
shape or dtype, NaN or infinity, a latency over budget, an error raised by
the signature) make an unblessed InfraBlessing whose INFRA_NOT_BLESSED file
holds the reason: the Pusher then refuses the model, and the run reports why.
A check that cannot be carried out at all (the named split does not exist,
no examples, examples that are not tf.Examples) raises: the component fails
and the run stops before the Pusher.
"""

import json
import os
import time
from typing import Any, Dict, List, Optional

import numpy as np
import tensorflow as tf
from absl import logging
from tfx import types
from tfx.components.util import examples_utils
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils
from tfx.utils import io_utils, path_utils

BLESSED_FILE = "INFRA_BLESSED"
NOT_BLESSED_FILE = "INFRA_NOT_BLESSED"  # its text is the reason
RESULT_FILE = "serving_check.json"
BLESSED_KEY = "blessed"  # the custom property the Pusher reads (tfx.components.util.model_utils)


class ServingCheckError(ValueError):
    """The check cannot be carried out as configured (not a verdict on the model)."""


def read_raw_examples(examples: types.Artifact, split: str, count: int) -> List[bytes]:
    """Up to `count` serialized tf.Examples from one split of an Examples artifact."""
    splits = artifact_utils.decode_split_names(examples.split_names)
    if split not in splits:
        raise ServingCheckError(f"the examples have no split '{split}' (splits: {', '.join(splits) or 'none'})")
    payload = examples_utils.get_payload_format(examples)
    if payload != example_gen_pb2.FORMAT_TF_EXAMPLE:
        raise ServingCheckError(f"the examples are {example_gen_pb2.PayloadFormat.Name(payload)}, expected "
                                "FORMAT_TF_EXAMPLE (what a serving client sends)")
    uri = artifact_utils.get_split_uri([examples], split)
    files = sorted(f for f in fileio.glob(os.path.join(uri, "*")) if not fileio.isdir(f))
    compression = "GZIP" if any(f.endswith(".gz") for f in files) else None
    dataset = tf.data.TFRecordDataset(files, compression_type=compression).take(count)
    records = [r.numpy() for r in dataset]
    if not records:
        raise ServingCheckError(f"split '{split}' holds no examples at {uri}")
    return records


def check_signature(model_dir: str, records: List[bytes], signature_name: str, latency_requests: int,
                    required_outputs: Optional[List[str]], output_dtype: Optional[str],
                    budgets: Dict[str, Optional[float]]) -> Dict[str, Any]:
    """Call the signature and return {problems, outputs, latency_ms, ...}; no problems means blessed."""
    result: Dict[str, Any] = {"signature": signature_name, "examples": len(records), "problems": []}
    problems: List[str] = result["problems"]
    loaded = tf.saved_model.load(model_dir)
    signatures = dict(loaded.signatures)
    if signature_name not in signatures:
        problems.append(f"the model has no signature '{signature_name}' (it has: "
                        f"{', '.join(sorted(signatures)) or 'none'})")
        return result
    fn = signatures[signature_name]
    _, inputs = fn.structured_input_signature
    if len(inputs) != 1 or next(iter(inputs.values())).dtype != tf.string:
        shown = ", ".join(f"{k}: {v.dtype.name}{v.shape}" for k, v in inputs.items())
        problems.append(f"signature '{signature_name}' takes ({shown}); a client sends one string tensor of "
                        "serialized tf.Examples")
        return result
    input_name = next(iter(inputs))

    try:
        outputs = {k: v.numpy() for k, v in fn(**{input_name: tf.constant(records)}).items()}
    except Exception as exc:  # the model cannot serve these examples: a verdict, not a crash
        problems.append(f"signature '{signature_name}' failed on {len(records)} raw examples: "
                        f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
        return result
    result["outputs"] = {k: {"shape": list(v.shape), "dtype": v.dtype.name} for k, v in sorted(outputs.items())}
    for key in required_outputs or []:
        if key not in outputs:
            problems.append(f"output '{key}' is missing (outputs: {', '.join(sorted(outputs))})")
    for key, value in sorted(outputs.items()):
        if value.ndim == 0 or value.shape[0] != len(records):
            problems.append(f"output '{key}' has shape {list(value.shape)}, expected {len(records)} rows "
                            "(one per example)")
        if output_dtype and value.dtype.name != output_dtype:
            problems.append(f"output '{key}' is {value.dtype.name}, expected {output_dtype}")
        if np.issubdtype(value.dtype, np.floating):
            bad = int(np.count_nonzero(~np.isfinite(value)))
            if bad:
                problems.append(f"output '{key}' has {bad} NaN or infinite value{'s' if bad != 1 else ''}")

    fn(**{input_name: tf.constant(records[:1])})  # warm-up: the first call traces
    timings = []
    for i in range(latency_requests):
        one = tf.constant([records[i % len(records)]])
        started = time.perf_counter()
        for value in fn(**{input_name: one}).values():
            value.numpy()
        timings.append((time.perf_counter() - started) * 1000.0)
    if timings:
        latency = {"p50": float(np.percentile(timings, 50)), "p95": float(np.percentile(timings, 95)),
                   "max": float(max(timings)), "requests": len(timings)}
        result["latency_ms"] = latency
        for name in ("p50", "p95"):
            budget = budgets.get(name)
            if budget is not None and latency[name] > budget:
                problems.append(f"latency {name} {latency[name]:.2f} ms is over the budget of {budget:g} ms "
                                f"({len(timings)} single-example requests)")
    return result


class Executor(base_executor.BaseExecutor):
    """Executes ServingCheck."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        model = artifact_utils.get_single_instance(input_dict["model"])
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])

        def prop(name: str, default: Any) -> Any:
            value = exec_properties.get(name)
            return default if value is None else value

        required = prop("required_outputs", None)
        if isinstance(required, str):  # list parameters travel as JSON through some orchestrators
            required = json.loads(required)
        records = read_raw_examples(examples, prop("split", "eval"), int(prop("num_examples", 100)))
        model_dir = path_utils.serving_model_path(model.uri, path_utils.is_old_model_artifact(model))
        budgets = {"p50": exec_properties.get("max_latency_p50_ms"), "p95": exec_properties.get("max_latency_p95_ms")}
        result = check_signature(model_dir, records, prop("signature_name", "serving_default"),
                                 int(prop("latency_requests", 50)), required, exec_properties.get("output_dtype"),
                                 budgets)
        result["budgets_ms"] = budgets
        blessed = not result["problems"]
        result["blessed"] = blessed
        io_utils.write_string_file(os.path.join(blessing.uri, RESULT_FILE), json.dumps(result, indent=2))
        if blessed:
            io_utils.write_string_file(os.path.join(blessing.uri, BLESSED_FILE), "")
        else:
            reason = "; ".join(result["problems"])
            io_utils.write_string_file(os.path.join(blessing.uri, NOT_BLESSED_FILE), reason)
        blessing.set_int_custom_property(BLESSED_KEY, 1 if blessed else 0)
        blessing.set_int_custom_property("has_model", 0)
        latency = result.get("latency_ms", {})
        logging.info("ServingCheck: %s (%s examples; latency p50 %s ms, p95 %s ms)",
                     "blessed" if blessed else "NOT blessed: " + "; ".join(result["problems"]),
                     len(records), _ms(latency.get("p50")), _ms(latency.get("p95")))


def _ms(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.2f}"
