"""Record what an audit needs in ML Metadata, right after a run, so no audit re-reads the data.

TFX records artifacts, executions and their links; it does not keep what a
person auditing a served model asks about: the content fingerprints of the
data files, the curated schema file behind an imported schema, the anomalies
found, the split sizes, how training went (epochs run, early stop, time, tuned
values), each metric against its threshold and the baseline, the stack's
versions and the run's outcome. The runner reads those facts here, once, while
the files are at hand, and stores them as custom properties: on the run (its
`pipeline_run` context) and on the artifacts they describe, so a cached
artifact reused by a later run keeps its facts. `tfxkit.lineage` reads them.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from typing import Any

from tfxkit.metadata.facts import stack_versions
from tfxkit.metadata.keys import ANOMALIES, CHECKS, FILES, PIPELINE, RUN, SPEC, SPEC_HASH, SPLIT_SIZES, TRAINING
from tfxkit.modules import TRAINED_CONFIG
from tfxkit.metadata.store import Store
from tfxkit.spec.load import LoadedSpec

_log = logging.getLogger("tfxkit")


def record_run(store: Store, loaded: LoadedSpec, run_id: str, summary: dict[str, Any],
               files: dict[str, list[dict]]) -> None:
    """Store the run's summary and spec on its context and the facts on the artifacts it produced."""
    pipeline = loaded.spec.pipeline.name
    executions = {e.node_id: e for e in store.run_executions(pipeline, run_id)}
    summary = {**summary, "versions": stack_versions(),
               "nodes": {node: e.state for node, e in executions.items()}}
    store.annotate_run(run_id, {PIPELINE: pipeline, RUN: summary, SPEC: loaded.resolved_json(),
                                SPEC_HASH: loaded.spec_hash()})
    links = store.links_of_executions(e.id for e in executions.values())
    outputs: dict[tuple[str, str], int] = {}
    for link in links:
        node = next((n for n, e in executions.items() if e.id == link.execution_id), None)
        if link.is_output and node:
            outputs[(node, link.key)] = link.artifact_id
    artifacts = store.artifacts(outputs.values())

    def annotate(node: str, key: str, prop: str, make) -> None:
        artifact = artifacts.get(outputs.get((node, key), -1))
        if artifact is None or prop in artifact.properties:
            return  # not produced, or a cached artifact that already carries its facts
        try:
            value = make(artifact.uri)
        except Exception:  # a missing fact must never fail a finished run: note it in the log
            _log.exception("could not record %s for %s", prop, node)
            return
        if value is not None:
            store.annotate_artifact(artifact.id, {prop: value})

    gen = next((n for n in executions if n.endswith("ExampleGen")), None)
    if gen:
        annotate(gen, "examples", FILES, lambda uri: files.get("data", []))
    annotate("StatisticsGen", "statistics", SPLIT_SIZES, _split_sizes)
    if gen and "StatisticsGen" in executions:
        sizes = _annotated(store, outputs.get(("StatisticsGen", "statistics")), SPLIT_SIZES)
        annotate(gen, "examples", SPLIT_SIZES, lambda uri: sizes)
    if loaded.spec.schema_.file:
        source = {**files["schema"][0], "declared": loaded.spec.schema_.file}
        annotate("ImportSchemaGen", "schema", FILES, lambda uri: [source])
    annotate("ExampleValidator", "anomalies", ANOMALIES, _anomalies)
    annotate("Trainer", "model", TRAINING, lambda uri: _training(artifacts.get(outputs.get(("Trainer", "model_run")))))
    if "Evaluator" in executions:
        annotate("Evaluator", "blessing", CHECKS,
                 lambda uri: _checks(artifacts[outputs[("Evaluator", "evaluation")]].uri, loaded))


def _annotated(store: Store, artifact_id: int | None, prop: str) -> object:
    artifact = store.artifact(artifact_id) if artifact_id else None
    return artifact.json_property(prop) if artifact else None


def _split_sizes(statistics_uri: str) -> dict[str, int]:
    """Examples per split, from StatisticsGen's output (no data is re-read)."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    sizes = {}
    for path in sorted(glob.glob(os.path.join(statistics_uri, "Split-*", "FeatureStats.pb"))):
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(open(path, "rb").read())
        split = os.path.basename(os.path.dirname(path))[len("Split-"):]
        sizes[split] = int(sum(d.num_examples for d in stats.datasets))
    return sizes


def _anomalies(anomalies_uri: str) -> dict[str, list[str]]:
    """{split: [one line per anomaly]}, empty when the data matched the schema."""
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    found: dict[str, list[str]] = {}
    for path in sorted(glob.glob(os.path.join(anomalies_uri, "Split-*", "SchemaDiff.pb"))):
        anomalies = anomalies_pb2.Anomalies.FromString(open(path, "rb").read())
        lines = [f"{name}: {info.short_description} ({info.description})"
                 for name, info in sorted(anomalies.anomaly_info.items())]
        if anomalies.HasField("dataset_anomaly_info"):
            info = anomalies.dataset_anomaly_info
            lines.append(f"<dataset>: {info.short_description} ({info.description})")
        if lines:
            found[os.path.basename(os.path.dirname(path))[len("Split-"):]] = lines
    return found


def _training(model_run) -> dict[str, Any] | None:
    """The Trainer's trained_config.json (written by tfxkit's run_fn) plus its TensorBoard folder."""
    if model_run is None:
        return None
    path = os.path.join(model_run.uri, TRAINED_CONFIG)
    if not os.path.isfile(path):
        return {"tensorboard": model_run.uri}
    with open(path, encoding="utf-8") as fh:
        return {**json.load(fh), "tensorboard": model_run.uri}


def _checks(evaluation_uri: str, loaded: LoadedSpec) -> list[dict[str, Any]]:
    from tfxkit.runners.evaluation import metric_checks

    return metric_checks(evaluation_uri, loaded.spec)
