"""ModelCardGen executor: gather the card's facts from the input artifacts and render it with jinja2.

Every fact is read from an artifact's files at run time (or from `run_facts`,
which the orchestrator computed when it built the pipeline): nothing here
queries the metadata store, whose lineage records are written only after
the run. Writing beside the pushed model is atomic per file (a temporary
name, then a rename), so a server watching that folder never reads half a card.
"""

import hashlib
import json
import os
from typing import Any, Dict, List, Optional

import jinja2
from absl import logging
from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import io_utils

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
CARD_FILES = ("model_card.md", "model_card.html")
FACTS_FILE = "model_card.json"
TRAINED_CONFIG = "trained_config.json"  # what tfxkit's Trainer run_fn writes into model_run


def _one(input_dict: Dict[str, List[types.Artifact]], key: str) -> Optional[types.Artifact]:
    artifacts = input_dict.get(key) or []
    return artifacts[0] if artifacts else None


def _slice_name(slice_key) -> str:
    parts = []
    for single in slice_key.single_slice_keys:
        kind = single.WhichOneof("kind")
        value = getattr(single, kind) if kind else ""
        parts.append(f"{single.column}={value.decode() if isinstance(value, bytes) else value}")
    return ", ".join(parts) or "all data"


def read_metrics(evaluation_uri: str) -> Dict[str, Dict[str, float]]:
    """{slice: {metric: value}} for the candidate model ('all data' first), from TFMA's output."""
    import tensorflow_model_analysis as tfma

    slices: Dict[str, Dict[str, float]] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        values = {}
        for kv in per_slice.metric_keys_and_values:
            if kv.key.is_diff or (kv.key.model_name or "candidate") != "candidate":
                continue
            if kv.value.HasField("double_value"):
                values[kv.key.name] = kv.value.double_value.value
        if values:
            slices[_slice_name(per_slice.slice_key)] = dict(sorted(values.items()))
    return dict(sorted(slices.items(), key=lambda item: (item[0] != "all data", item[0])))


def read_validation(evaluation_uri: str) -> Optional[Dict[str, Any]]:
    """Whether the thresholds passed, and each failure, from TFMA's validation result."""
    import tensorflow_model_analysis as tfma

    try:
        result = tfma.load_validation_result(evaluation_uri)
    except Exception:  # an evaluation without thresholds writes no validation result
        return None
    failures = [f"{failure.metric_key.name} on {_slice_name(per_slice.slice_key)}"
                for per_slice in result.metric_validations_per_slice for failure in per_slice.failures]
    return {"passed": bool(result.validation_ok), "failures": failures}


def read_statistics(statistics: types.Artifact) -> Dict[str, Dict[str, Any]]:
    """{split: {examples, features: {name: summary}}} from StatisticsGen's FeatureStats.pb files."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    out: Dict[str, Dict[str, Any]] = {}
    for split in artifact_utils.decode_split_names(statistics.split_names):
        path = os.path.join(artifact_utils.get_split_uri([statistics], split), "FeatureStats.pb")
        if not fileio.exists(path):
            continue
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(io_utils.read_bytes_file(path))
        for dataset in stats.datasets:
            features = {}
            for feature in dataset.features:
                name = ".".join(feature.path.step) or feature.name
                features[name] = _feature_summary(feature, dataset.num_examples)
            out[split] = {"examples": int(dataset.num_examples), "features": dict(sorted(features.items()))}
    return out


def _feature_summary(feature, num_examples: int) -> Dict[str, Any]:
    kind = feature.WhichOneof("stats")
    if kind == "num_stats":
        s = feature.num_stats
        missing = s.common_stats.num_missing
        return {"type": "numeric", "missing": _share(missing, num_examples), "mean": s.mean, "std": s.std_dev,
                "min": s.min, "max": s.max}
    if kind == "string_stats":
        s = feature.string_stats
        top = s.top_values[0].value if s.top_values else ""
        return {"type": "categorical", "missing": _share(s.common_stats.num_missing, num_examples),
                "unique": int(s.unique), "top": top}
    return {"type": kind or "unknown"}


def _share(part: int, whole: int) -> float:
    return float(part) / whole if whole else 0.0


def read_training(model_run: types.Artifact) -> Optional[Dict[str, Any]]:
    """The trainer's trained_config.json: model, trainer settings, tuned values, how training went."""
    path = os.path.join(model_run.uri, TRAINED_CONFIG)
    if not fileio.exists(path):
        return None
    found = json.loads(io_utils.read_string_file(path))
    return {"model": None, "trainer": None, "hyperparameters": {}, "training": None, **found}


def examples_fingerprints(examples: types.Artifact) -> Dict[str, str]:
    """{split: sha256 over the split's files (names and bytes)}: which ingested data the card describes."""
    out = {}
    for split in artifact_utils.decode_split_names(examples.split_names):
        digest = hashlib.sha256()
        for path in sorted(fileio.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*"))):
            digest.update(os.path.basename(path).encode())
            digest.update(io_utils.read_bytes_file(path))
        out[split] = digest.hexdigest()
    return out


def render(card: Dict[str, Any]) -> Dict[str, str]:
    """{file name: text} of the card's Markdown and HTML (HTML autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        undefined=jinja2.StrictUndefined,  # a template naming a missing fact fails the component, not the card
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v: f"{v:.4f}" if isinstance(v, float) else str(v)
    env.filters["pct"] = lambda v: f"{100.0 * v:.1f}%"
    return {name: env.get_template(f"{name}.j2").render(card=card) for name in CARD_FILES}


def write_beside(folder: str, files: Dict[str, str]) -> None:
    """Each file under a temporary name, then renamed into place."""
    for name, text in files.items():
        tmp = os.path.join(folder, f".{name}.tmp")
        io_utils.write_string_file(tmp, text)
        fileio.rename(tmp, os.path.join(folder, name), overwrite=True)


class Executor(base_executor.BaseExecutor):
    """Executes ModelCardGen."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        evaluation = _one(input_dict, "evaluation")
        facts = {"pipeline": None, "spec_hash": None, "data_files": [], "schema_file": None,
                 **json.loads(exec_properties.get("run_facts") or "{}")}
        card: Dict[str, Any] = {
            "title": exec_properties.get("title") or (f"Model card: {facts['pipeline']}" if facts.get("pipeline")
                                                      else "Model card"),
            "metrics": read_metrics(evaluation.uri),
            "validation": read_validation(evaluation.uri),
            "facts": facts,
        }
        blessing = _one(input_dict, "blessing")
        card["blessed"] = None if blessing is None else blessing.get_int_custom_property("blessed") == 1
        statistics = _one(input_dict, "statistics")
        card["statistics"] = read_statistics(statistics) if statistics else {}
        model_run = _one(input_dict, "model_run")
        card["training"] = read_training(model_run) if model_run else None
        examples = _one(input_dict, "examples")
        card["examples_sha256"] = examples_fingerprints(examples) if examples else {}
        pushed = _one(input_dict, "pushed_model")
        pushed_to = None
        if pushed is not None and pushed.get_int_custom_property("pushed") == 1:
            pushed_to = pushed.get_string_custom_property("pushed_destination") or None
        card["pushed_to"] = pushed_to

        files = render(card)
        out = artifact_utils.get_single_instance(output_dict["model_card"])
        for name, text in {**files, FACTS_FILE: json.dumps(card, indent=2, sort_keys=True, default=str)}.items():
            io_utils.write_string_file(os.path.join(out.uri, name), text)
        if pushed_to:
            write_beside(pushed_to, files)
            logging.info("ModelCardGen: wrote %s beside the pushed model in %s", ", ".join(files), pushed_to)
        else:
            logging.info("ModelCardGen: nothing was pushed; the card is in %s only", out.uri)
