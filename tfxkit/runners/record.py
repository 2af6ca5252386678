"""Record what an audit needs in ML Metadata, right after a run, so no audit re-reads the data.

TFX records artifacts, executions and their links; it does not keep what a
person auditing a served model asks about: the content fingerprints of the
data files, the curated schema file behind an imported schema, the anomalies
found, the split sizes, how training went (epochs run, early stop, time, tuned
values), each metric against its threshold and the baseline, the stack's
versions and the run's outcome. The runner reads those facts here, once, while
the files are at hand, and stores them as custom properties of the run (its
`pipeline_run` context): the run's summary, and per artifact id the facts
about the artifacts it produced. `tfxkit.lineage` reads them.

Never on TFX's artifacts themselves: TFX's cache key hashes each input
artifact's full MLMD record, custom properties included, so annotating an
artifact would make every downstream component miss the cache on the next run.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from typing import Any

from tfxkit.config.load import LoadedSpec
from tfxkit.metadata.facts import stack_versions
from tfxkit.metadata.keys import (
    ANOMALIES,
    CHECKS,
    FACTS,
    FILES,
    PIPELINE,
    RUN,
    SCHEMA_FILE,
    SLICES,
    SPEC,
    SPEC_HASH,
    SPLIT_SIZES,
    TRAINING,
)
from tfxkit.metadata.runs import recorded_facts
from tfxkit.metadata.store import Store
from tfxkit.modules import TRAINED_CONFIG

_log = logging.getLogger("tfxkit")


def record_run(store: Store, loaded: LoadedSpec, run_id: str, summary: dict[str, Any],
               files: dict[str, list[dict]]) -> None:
    """Store the run's summary, its spec, and the facts about the artifacts it produced, on the run."""
    pipeline = loaded.spec.pipeline.name
    executions = {e.node_id: e for e in store.run_executions(pipeline, run_id)}
    node_of = {e.id: node for node, e in executions.items()}
    outputs = {(node_of[link.execution_id], link.key): link.artifact_id
               for link in store.links_of_executions(node_of) if link.is_output and link.execution_id in node_of}
    artifacts = store.artifacts(outputs.values())
    known = recorded_facts(store, pipeline)  # facts recorded by earlier runs (a cached artifact keeps them)
    facts: dict[str, dict[str, Any]] = {}

    def fact(node: str, key: str, prop: str, make) -> None:
        artifact = artifacts.get(outputs.get((node, key), -1))
        if artifact is None or prop in known.get(str(artifact.id), {}):
            return
        try:
            value = make(artifact.uri)
        except Exception:  # a missing fact must never fail a finished run: note it in the log
            _log.exception("could not record %s for %s", prop, node)
            return
        if value is not None:
            facts.setdefault(str(artifact.id), {})[prop] = value

    gen = next((n for n in executions if n.endswith("ExampleGen")), None)
    if gen:
        fact(gen, "examples", FILES, lambda uri: files.get("data", []))
        stats = artifacts.get(outputs.get(("StatisticsGen", "statistics"), -1))
        if stats is not None:
            fact(gen, "examples", SPLIT_SIZES, lambda uri: _split_sizes(stats.uri))
    for span_gen, span_files in _span_files(loaded, executions).items():  # data in spans: the facts per span
        fact(span_gen, "examples", FILES, lambda uri, mine=span_files: [
            f for f in files.get("data", []) if f["path"] in mine])
        fact(span_gen, "examples", SPLIT_SIZES, count_examples)
    if loaded.spec.schema_.file:
        source = {**files["schema"][0], "declared": loaded.spec.schema_.file}
        fact("ImportSchemaGen", "schema", SCHEMA_FILE, lambda uri: source)
    fact("ExampleValidator", "anomalies", ANOMALIES, read_anomalies)
    fact("Trainer", "model", TRAINING, lambda uri: _training(artifacts.get(outputs.get(("Trainer", "model_run")))))
    if ("Evaluator", "evaluation") in outputs:
        fact("Evaluator", "blessing", CHECKS, lambda uri: _checks(artifacts[outputs[("Evaluator", "evaluation")]].uri,
                                                                  loaded))
        fact("Evaluator", "blessing", SLICES, lambda uri: _slices(artifacts[outputs[("Evaluator", "evaluation")]].uri,
                                                                  loaded))
    summary = {**summary, "versions": stack_versions(), "nodes": {node: e.state for node, e in executions.items()}}
    store.annotate_run(run_id, {PIPELINE: pipeline, RUN: summary, SPEC: loaded.resolved_json(),
                                SPEC_HASH: loaded.spec_hash(), FACTS: facts})


def _span_files(loaded: LoadedSpec, executions: dict) -> dict[str, set[str]]:
    """{span ExampleGen node id: its span's files} for the span ExampleGens of this run."""
    from tfxkit.dag.example_gens import selected_spans

    selection = selected_spans(loaded)
    if selection is None:
        return {}
    by_span = {sv.span: set(sv.files) for sv in selection.spans}
    return {node: by_span.get(int(node.rpartition("-span-")[2]), set())
            for node in executions if "ExampleGen" in node and node.rpartition("-span-")[2].isdigit()
}


def count_examples(examples_uri: str) -> dict[str, int]:
    """Examples per split of an Examples artifact, counted from its GZIP TFRecord files' framing (each record:
    an 8-byte length, 4-byte CRC, the data, 4-byte CRC), without TensorFlow and without decoding one."""
    import gzip
    import struct

    sizes = {}
    for split_dir in sorted(glob.glob(os.path.join(examples_uri, "Split-*"))):
        count = 0
        for path in sorted(glob.glob(os.path.join(split_dir, "*"))):
            with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as fh:
                while header := fh.read(12):
                    fh.seek(struct.unpack("<Q", header[:8])[0] + 4, os.SEEK_CUR)
                    count += 1
        sizes[os.path.basename(split_dir)[len("Split-"):]] = count
    return sizes


def _split_sizes(statistics_uri: str) -> dict[str, int]:
    """Examples per split, from StatisticsGen's output (no data is re-read)."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    sizes = {}
    for path in sorted(glob.glob(os.path.join(statistics_uri, "Split-*", "FeatureStats.pb"))):
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(open(path, "rb").read())
        split = os.path.basename(os.path.dirname(path))[len("Split-"):]
        sizes[split] = int(sum(d.num_examples for d in stats.datasets))
    return sizes


def read_anomalies(anomalies_uri: str) -> dict[str, list[str]]:
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


def _slices(evaluation_uri: str, loaded: LoadedSpec) -> list[dict[str, Any]]:
    from tfxkit.runners.evaluation import slice_metrics

    return slice_metrics(evaluation_uri, loaded.spec)
