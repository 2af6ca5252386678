"""A small ML Metadata store shaped like tfxkit's runs, built with MLMD's own API (no TensorFlow, no TFX).

The lineage and report views read only MLMD and the artifacts' files, so a fast test can give them a
store that looks like one a real run leaves behind, in milliseconds:

- the contexts TFX 1.16's runners write (`pipeline`, `pipeline_run` named by the run id, `node` named
  `<pipeline>.<node id>`), every execution and artifact attributed to them;
- one execution per planned node (`tfxkit.dag.plan.plan_nodes`, so the DAG is the spec's real one), with
  TFX's execution type names and state COMPLETE / CACHED / FAILED / RUNNING; INPUT and OUTPUT events whose
  path is [key, index 0]; a cached execution's outputs are the earlier artifacts; the Resolver publishes
  the baseline as INTERNAL_OUTPUT, as TFX's resolver node handler does;
- TFX's artifact types (Examples, ExampleStatistics, Schema, ExampleAnomalies, TransformGraph, Model,
  ModelRun, ModelEvaluation, ModelBlessing, PushedModel, ...) with their properties (span, split_names)
  and the custom properties TFX's executors set (blessed, current_model_id, baseline_model_id; pushed,
  pushed_destination, pushed_version), uris `<root>/<node>/<key>/<execution id>` holding real files where
  a view reads them: FeatureStats.pb and SchemaDiff.pb (tensorflow_metadata protos), trained_config.json
  and TensorBoard event files (TensorBoard's writer), BLESSED / NOT_BLESSED, a pushed model folder;
- what tfxkit's runner records on the run afterwards, written by tfxkit's own `record_run`
  (tfxkit.runners.record): summary, spec and spec hash, and the artifact facts. Only the Evaluator's
  output reader (tfxkit.runners.evaluation, which needs TFMA and so TensorFlow) is replaced by the
  metric checks and slices this builder computes from the accuracy a test gives.

    pipeline = PipelineStore(tmp_path)
    first = pipeline.run(accuracy=0.95)                             # pushed
    second = pipeline.run(accuracy=0.96, cached=DATA_NODES, overrides={"trainer.learning_rate": 0.005})
    gated = pipeline.run(anomalies={"island": ANOMALY})             # stopped by the data gate
    store = pipeline.store()                                         # tfxkit's Store over it
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from unittest import mock

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from tests.conftest import REPO_ROOT
from tfxkit.config.load import LoadedSpec, load_spec
from tfxkit.config.metrics import METRICS
from tfxkit.dag.example_gens import selected_files, selected_spans
from tfxkit.dag.nodes import sources
from tfxkit.dag.plan import plan_nodes
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.facts import file_fact
from tfxkit.metadata.store import NODE, PIPELINE, PIPELINE_RUN, Store
from tfxkit.modules import TRAINED_CONFIG, TRIAL_LOGS
from tfxkit.runners.gate_finding import GateFinding
from tfxkit.runners.outcome import run_spans
from tfxkit.runners.record import record_run

TFX_VERSION = "1.16.0"
PENGUIN = REPO_ROOT / "pipelines/penguin.yaml"
# The nodes a run with only a trainer change takes from the cache (tests/e2e/test_lineage.py's second run).
DATA_NODES = ("CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "ExampleValidator", "Transform")
# (short description, description) of an anomaly, as TFDV writes it into SchemaDiff.pb.
ANOMALY = ("Unexpected string values", "Examples contain values missing from the schema: Atlantis (<1%).")

# The execution type TFX registers for a node: its component class's path (node_info.type.name).
EXECUTION_TYPES = {
    "CsvExampleGen": "tfx.components.example_gen.csv_example_gen.component.CsvExampleGen",
    "ImportExampleGen": "tfx.components.example_gen.import_example_gen.component.ImportExampleGen",
    "StatisticsGen": "tfx.components.statistics_gen.component.StatisticsGen",
    "SchemaGen": "tfx.components.schema_gen.component.SchemaGen",
    "ImportSchemaGen": "tfx.components.schema_gen.import_schema_gen.component.ImportSchemaGen",
    "ExampleValidator": "tfx.components.example_validator.component.ExampleValidator",
    "AnomaliesGate": "tfxkit.components.data_gate.component.AnomaliesGate",
    "Transform": "tfx.components.transform.component.Transform",
    "Tuner": "tfx.components.tuner.component.Tuner",
    "Trainer": "tfx.components.trainer.component.Trainer",
    "latest_blessed_model_resolver": "tfx.dsl.components.common.resolver.Resolver",
    "Evaluator": "tfx.components.evaluator.component.Evaluator",
    "Pusher": "tfx.components.pusher.component.Pusher",
}
# TFX's artifact types that carry (typed) properties; the others have custom properties only.
_TYPE_PROPERTIES = {
    "Examples": {"span": mlmd.INT, "version": mlmd.INT, "split_names": mlmd.STRING},
    "ExampleStatistics": {"span": mlmd.INT, "split_names": mlmd.STRING},
    "ExampleAnomalies": {"span": mlmd.INT, "split_names": mlmd.STRING},
}
SPLITS = {"train": 258, "eval": 86}  # penguins: 344 rows, split 3:1 (as the e2e runs count them)
ISLANDS = {"Biscoe": 0.4, "Dream": 0.36, "Torgersen": 0.24}
NUMERIC = {"bill_length_mm": (32.1, 59.6), "bill_depth_mm": (13.1, 21.5), "flipper_length_mm": (172.0, 231.0),
           "body_mass_g": (2700.0, 6300.0)}
CATEGORICAL = {"island": ISLANDS, "sex": {"male": 0.49, "female": 0.48}, "species": {"Adelie": 0.44, "Gentoo": 0.36,
                                                                                       "Chinstrap": 0.2}}


@dataclass
class RecordedRun:
    """What `PipelineStore.run` wrote: the run id, each node's execution, and the artifacts by (node, key)."""

    run_id: str
    spec: LoadedSpec
    status: str | None  # the recorded outcome (None: the run was left without tfxkit's record)
    executions: dict[str, int] = field(default_factory=dict)  # node -> execution id
    states: dict[str, str] = field(default_factory=dict)  # node -> COMPLETE | CACHED | FAILED | RUNNING
    outputs: dict[tuple[str, str], mlmd.Artifact] = field(default_factory=dict)  # (node, key) -> artifact
    metrics: dict[str, float] = field(default_factory=dict)
    pushed_to: str | None = None

    def artifact_id(self, node: str, key: str) -> int:
        return self.outputs[(node, key)].id

    def uri(self, node: str, key: str) -> str:
        return self.outputs[(node, key)].uri

    @property
    def model_id(self) -> int | None:
        model = self.outputs.get(("Trainer", "model"))
        return model.id if model is not None else None


class PipelineStore:
    """Runs of one pipeline (pipelines/penguin.yaml unless named) in an SQLite store under `tmp_path`.

    The data file is a copy of the penguins CSV under tmp_path (`data_file`), so a test may change or copy
    it; the curated schema is the repository's. `overrides` are `--set` values applied to every run.
    """

    def __init__(self, tmp_path: Path, spec: Path = PENGUIN, overrides: dict[str, Any] | None = None):
        self.tmp_path = Path(tmp_path)
        self.root = self.tmp_path / "root"
        self.data_file = self.tmp_path / "data" / "penguins.csv"
        self.data_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / "data/penguins/penguins.csv", self.data_file)
        self.spec_file = Path(spec)
        self.overrides = {"pipeline.root": str(self.root), "data.path": str(self.data_file), **(overrides or {})}
        self.url = f"sqlite:///{self.root}/metadata.sqlite"
        self.config = connection_config(self.url)
        self.mlmd = metadata_store.MetadataStore(self.config)
        self.runs: list[RecordedRun] = []
        # tfxkit's record says when a run started: a day ago for the first, ten minutes later for each next one,
        # and never before a run left unrecorded (killed) whose times only MLMD, at its real time, knows.
        self._clock = time.time() - 86400
        self._types: dict[tuple[str, str], int] = {}
        self._contexts: dict[tuple[str, str], mlmd.Context] = {}
        self._evaluations: dict[str, tuple[list, list]] = {}  # evaluation uri -> (checks, slices)
        self._accuracy: dict[int, float] = {}  # model id -> its accuracy
        self._spans: dict[str, Any] = {}  # span ExampleGen node id -> its span on disk (config.spans.SpanVersion)

    # -- what tests read ------------------------------------------------------------------------------------

    def store(self) -> Store:
        """tfxkit's interface over the store, opened afresh (it caches the type names it has read)."""
        return Store(self.config)

    @property
    def pipeline(self) -> str:
        return self.runs[0].spec.spec.pipeline.name if self.runs else self.load().spec.pipeline.name

    def load(self, overrides: dict[str, Any] | None = None) -> LoadedSpec:
        return load_spec(self.spec_file, {**self.overrides, **(overrides or {})})

    # -- writing a run --------------------------------------------------------------------------------------

    def run(self, run_id: str | None = None, *, accuracy: float = 0.97, overrides: dict[str, Any] | None = None,
            cached: Iterable[str] = (), fail: str | None = None, error: str | None = None,
            anomalies: dict[str, tuple[str, str]] | None = None, stop_at: str | None = None,
            record: bool = True, trials: list[dict[str, Any]] | None = None) -> RecordedRun:
        """One run of the pipeline, as TFX's LocalDagRunner and then tfxkit's runner record it.

        accuracy   the candidate's accuracy on all data; with the spec's thresholds (and the baseline: the
                   newest blessed model before this run) it decides the blessing, as TFMA would.
        cached     nodes served from the cache: CACHED executions whose outputs are the previous run's.
        fail       a node that FAILED (with `error`); the nodes after it never ran (LocalDagRunner stops).
        anomalies  {feature: (short description, description)} ExampleValidator finds; the gate then fails
                   the run ("gated"), as tfxkit's AnomaliesGate does.
        stop_at    a node left RUNNING and nothing after it, with no record: a run killed mid-way.
        record     False: leave only what TFX wrote (no tfxkit summary, spec or facts).
        trials     a Tuner's trials (best first), for specs with tuning: written to tuner_results.json.
        """
        self._clock += 600  # each run starts ten minutes after the one before, as far as tfxkit's record says
        loaded = self.load(overrides)
        pipeline = loaded.spec.pipeline.name
        run_id = run_id or time.strftime("%Y%m%d-%H%M%S-", time.gmtime(self._clock)) + f"{len(self.runs):04x}"
        anomalies = anomalies or {}
        if anomalies and fail is None:
            fail = "AnomaliesGate"
            error = error or _gate_error(anomalies)
        nodes = plan_nodes(loaded)
        selection = selected_spans(loaded)  # data in spans: one ExampleGen per span (`CsvExampleGen-span-3`)
        self._spans = {node.id: sv for node in nodes if "span" in node.params
                       for sv in (selection.spans if selection else []) if sv.span == node.params["span"]}
        previous = self.runs[-1] if self.runs else None
        run = RecordedRun(run_id, loaded, None)
        contexts = [self._context(PIPELINE, pipeline), self._context(PIPELINE_RUN, run_id)]
        baseline = None  # (model, blessing) the resolver returns
        for node in nodes:
            node_contexts = contexts + [self._context(NODE, f"{pipeline}.{node.id}")]
            read = [(key, run.outputs[tuple(one.split(".", 1))]) for key, source in node.inputs.items()
                    for one in sources(source) if tuple(one.split(".", 1)) in run.outputs]  # a union: every span's
            inputs = dict(read)
            state = ("FAILED" if node.id == fail else "RUNNING" if node.id == stop_at
                     else "CACHED" if node.id in cached and previous is not None else "COMPLETE")
            execution = mlmd.Execution(type_id=self._type("execution", EXECUTION_TYPES.get(node.id, node.component)),
                                       last_known_state=getattr(mlmd.Execution, state))
            execution.custom_properties["tfx_version"].string_value = TFX_VERSION
            for name, value in node.params.items():  # TFX records a component's string parameters so (the gate's drift)
                if isinstance(value, str):
                    execution.custom_properties[name].string_value = value
            [execution.id] = self.mlmd.put_executions([execution])
            events = [(artifact, _event(mlmd.Event.INPUT, key)) for key, artifact in read]
            outputs: dict[str, mlmd.Artifact] = {}
            if node.id == "latest_blessed_model_resolver":
                events = []  # a resolver node reads nothing: it publishes what it resolved as internal outputs
                baseline = self._baseline(run.outputs.get(("Trainer", "model")))
                if baseline is not None:
                    outputs = {"model": baseline[0], "model_blessing": baseline[1]}
                    events += [(a, _event(mlmd.Event.INTERNAL_OUTPUT, k)) for k, a in outputs.items()]
            elif state == "CACHED":
                outputs = {key: previous.outputs[(node.id, key)] for key in node.outputs}
                events += [(a, _event(mlmd.Event.OUTPUT, k)) for k, a in outputs.items()]
            elif state == "COMPLETE":
                for key in node.outputs:
                    artifact = self._new_artifact(node.output_type(key), f"{self.root}/{node.id}/{key}/{execution.id}")
                    outputs[key] = artifact
                    events.append((artifact, _event(mlmd.Event.OUTPUT, key)))
                self._write_outputs(node.id, outputs, inputs, loaded, accuracy, baseline, anomalies, trials)
            events = _one_event_per_artifact(events)
            _, artifact_ids, _ = self.mlmd.put_execution(execution, events, node_contexts,
                                                         reuse_context_if_already_exist=True)
            for (artifact, _), artifact_id in zip(events, artifact_ids):
                artifact.id = artifact_id
            run.executions[node.id], run.states[node.id] = execution.id, state
            for key, artifact in outputs.items():
                run.outputs[(node.id, key)] = artifact
            if state in ("FAILED", "RUNNING"):
                break
        if record and stop_at is None:
            self._record(run, nodes, fail, error)
        if not record or stop_at is not None:
            self._clock = max(self._clock, time.time())
        self.runs.append(run)
        return run

    # -- the parts ------------------------------------------------------------------------------------------

    def _type(self, kind: str, name: str) -> int:
        if (kind, name) not in self._types:
            if kind == "artifact":
                t = mlmd.ArtifactType(name=name)
                for prop, value_type in _TYPE_PROPERTIES.get(name, {}).items():
                    t.properties[prop] = value_type
                self._types[(kind, name)] = self.mlmd.put_artifact_type(t)
            elif kind == "execution":
                self._types[(kind, name)] = self.mlmd.put_execution_type(mlmd.ExecutionType(name=name))
            else:
                self._types[(kind, name)] = self.mlmd.put_context_type(mlmd.ContextType(name=name))
        return self._types[(kind, name)]

    def _context(self, type_name: str, name: str) -> mlmd.Context:
        if (type_name, name) not in self._contexts:
            context = mlmd.Context(type_id=self._type("context", type_name), name=name)
            [context.id] = self.mlmd.put_contexts([context])
            self._contexts[(type_name, name)] = context
        return self._contexts[(type_name, name)]

    def _new_artifact(self, type_name: str, uri: str) -> mlmd.Artifact:
        artifact = mlmd.Artifact(type_id=self._type("artifact", type_name), uri=uri, state=mlmd.Artifact.LIVE)
        artifact.custom_properties["tfx_version"].string_value = TFX_VERSION
        artifact.custom_properties["is_external"].int_value = 0
        os.makedirs(uri, exist_ok=True)
        return artifact

    def _baseline(self, candidate: mlmd.Artifact | None) -> tuple[mlmd.Artifact, mlmd.Artifact] | None:
        """(model, blessing) of the served model other than the candidate (the highest version folder present),
        else of the newest blessed model other than the candidate: what tfxkit's baseline strategy
        (ServedModelStrategy) resolves. Pushes made outside these runs (a rollback) are not seen here."""
        served = sorted((run for run in self.runs if run.pushed_to and os.path.isdir(run.pushed_to)
                         and (candidate is None or run.model_id != candidate.id)),
                        key=lambda run: int(os.path.basename(run.pushed_to)), reverse=True)
        if served:
            run = served[0]
            return run.outputs[("Trainer", "model")], run.outputs[("Evaluator", "blessing")]
        for run in reversed(self.runs):
            blessing = run.outputs.get(("Evaluator", "blessing"))
            model = run.outputs.get(("Trainer", "model"))
            if blessing is not None and blessing.custom_properties["blessed"].int_value == 1 \
                    and run.states.get("Evaluator") == "COMPLETE" and (candidate is None or model.id != candidate.id):
                return model, blessing
        return None

    def _write_outputs(self, node: str, outputs: dict[str, mlmd.Artifact], inputs: dict[str, mlmd.Artifact],
                       loaded: LoadedSpec, accuracy: float, baseline, anomalies, trials) -> None:
        """The files and custom properties each output gets from its TFX executor (only what tfxkit reads)."""
        splits = json.dumps(list(SPLITS))
        for key, artifact in outputs.items():
            uri = artifact.uri
            span = self._spans.get(node) if key == "examples" else None  # TFX 1.16: span and version recorded
            if key in ("examples", "transformed_examples", "statistics", "anomalies"):
                artifact.properties["split_names"].string_value = splits
                artifact.properties["span"].int_value = span.span if span else 0
            if span is not None and span.version is not None:
                artifact.properties["version"].int_value = span.version
            if key == "examples":
                for split in SPLITS:
                    os.makedirs(f"{uri}/Split-{split}", exist_ok=True)
                    Path(f"{uri}/Split-{split}/data_tfrecord-00000-of-00001.gz").write_bytes(b"")
                artifact.custom_properties["file_format"].string_value = "tfrecords_gzip"
                artifact.custom_properties["payload_format"].string_value = "FORMAT_TF_EXAMPLE"
                size = sum(os.path.getsize(f) for f in (span.files if span else selected_files(loaded)))
                artifact.custom_properties["input_fingerprint"].string_value = (
                    f"split:single_split,num_files:1,total_bytes:{size},xor_checksum:{size},sum_checksum:{size}")
            elif key == "statistics":
                write_statistics(uri)
            elif key == "schema":
                shutil.copy(loaded.resolve(loaded.spec.schema_.file) if loaded.spec.schema_.file
                            else REPO_ROOT / "schemas/penguin.pbtxt", f"{uri}/schema.pbtxt")
            elif key == "anomalies":
                write_anomalies(uri, anomalies)
            elif key == "model":
                os.makedirs(f"{uri}/Format-Serving", exist_ok=True)
                Path(f"{uri}/Format-Serving/saved_model.pb").write_bytes(b"a test's stand-in for a SavedModel")
            elif key == "model_run":
                write_training(uri, loaded, accuracy, inputs.get("hyperparameters"))
            elif key == "tuner_results":
                write_trials(uri, trials or [])
            elif key == "best_hyperparameters":
                best = (trials or [{}])[0]
                Path(f"{uri}/best_hyperparameters.txt").write_text(json.dumps({"values": {
                    k: v for k, v in best.items() if k not in ("score", "trial_id")}}))
        if node == "Evaluator":
            candidate = inputs["model"]
            base = self._accuracy[baseline[0].id] if baseline else None
            checks, slices = metric_checks(loaded, accuracy, base), slice_metrics(loaded, accuracy, base)
            self._evaluations[outputs["evaluation"].uri] = (checks, slices)
            self._accuracy[candidate.id] = accuracy  # the baseline's value when a later run compares with it
            blessed = all(c["passed"] is not False for c in checks)
            blessing = outputs["blessing"]
            Path(f"{blessing.uri}/{'BLESSED' if blessed else 'NOT_BLESSED'}").write_text("")
            blessing.custom_properties["blessed"].int_value = int(blessed)
            blessing.custom_properties["current_model"].string_value = candidate.uri
            blessing.custom_properties["current_model_id"].int_value = candidate.id
            if baseline is not None:
                blessing.custom_properties["baseline_model"].string_value = baseline[0].uri
                blessing.custom_properties["baseline_model_id"].int_value = baseline[0].id
            Path(f"{outputs['evaluation'].uri}/metrics-00000-of-00001.tfrecord").write_bytes(b"")
        if node == "Pusher":
            push, model, blessing = outputs["pushed_model"], inputs["model"], inputs["model_blessing"]
            if blessing.custom_properties["blessed"].int_value == 1:
                version = str(int(self._clock))
                destination = os.path.join(loaded.resolve(loaded.spec.push_destination()), version)
                shutil.copytree(model.uri, destination)
                shutil.copytree(model.uri, push.uri, dirs_exist_ok=True)
                push.custom_properties["pushed"].int_value = 1
                push.custom_properties["pushed_destination"].string_value = destination
                push.custom_properties["pushed_version"].string_value = version
            else:
                push.custom_properties["pushed"].int_value = 0

    def _record(self, run: RecordedRun, nodes: list, fail: str | None, error: str | None) -> None:
        """What tfxkit's runner stores on the run after TFX is done: `run_summary`'s fields, through
        tfxkit's own `record_run`, with the Evaluator's TFMA reader answered from this builder's checks."""
        push = run.outputs.get(("Pusher", "pushed_model"))
        pushed = push is not None and push.custom_properties["pushed"].int_value == 1
        run.pushed_to = push.custom_properties["pushed_destination"].string_value if pushed else None
        evaluation = run.outputs.get(("Evaluator", "evaluation"))  # the Evaluator's own, or a cached one's
        checks = self._evaluations[evaluation.uri][0] if evaluation is not None else []
        run.metrics = {c["metric"]: c["value"] for c in checks if c["value"] is not None}
        if fail == "AnomaliesGate":
            status, reason = "gated", GateFinding.SCHEMA_ANOMALIES.reason
        elif fail:
            status, reason = "failed", f"{fail} failed"
        elif pushed:
            status, reason = ("unchanged" if run.states["Pusher"] == "CACHED" else "pushed"), None
        else:
            failures = [line for c in checks for line in c["failures"]]
            status, reason = "not_blessed", "model not blessed: " + ("; ".join(failures) or "see the evaluation")
        run.status = status
        loaded = run.spec
        summary = {
            "runner": "local", "started": self._clock, "seconds": round(4.0 * len(run.states), 2), "status": status,
            "reason": reason, "failed_node": fail, "error": error, "pushed_to": run.pushed_to, "metrics": run.metrics,
            "timings": {node: (0.0 if state == "CACHED" else 4.0) for node, state in run.states.items()},
            "planned": [node.id for node in nodes],
            "edges": [[upstream, node.id] for node in nodes for upstream in dict.fromkeys(
                [one.split(".")[0] for source in node.inputs.values() for one in sources(source)] + list(node.after))],
            "spans": run_spans(loaded),
        }
        files = {"data": [file_fact(path) for path in selected_files(loaded)]}
        if loaded.spec.schema_.file:
            files["schema"] = [file_fact(loaded.resolve(loaded.spec.schema_.file))]
        reader = types.ModuleType("tfxkit.runners.evaluation")  # TFMA's reader, answered without TensorFlow
        reader.metric_checks = lambda uri, spec: self._evaluations[uri][0]
        reader.slice_metrics = lambda uri, spec: self._evaluations[uri][1]
        with mock.patch.dict(sys.modules, {"tfxkit.runners.evaluation": reader}):
            record_run(self.store(), loaded, run.run_id, summary, files)


def _one_event_per_artifact(events: list[tuple[mlmd.Artifact, mlmd.Event]]) -> list:
    """One event per (artifact, type) with a path per key, as TFX links an artifact read under two keys."""
    merged: dict[tuple[int, int], tuple[mlmd.Artifact, mlmd.Event]] = {}
    for artifact, event in events:
        slot = (id(artifact), event.type)
        if slot in merged:
            merged[slot][1].path.steps.extend(event.path.steps)
        else:
            merged[slot] = (artifact, event)
    return list(merged.values())


def _event(kind: int, key: str) -> mlmd.Event:
    event = mlmd.Event(type=kind)
    event.path.steps.add().key = key
    event.path.steps.add().index = 0
    return event


def _gate_error(anomalies: dict[str, tuple[str, str]]) -> str:
    """tfxkit's AnomaliesGate message (tfxkit.components.data_gate.executor.format_anomalies) for anomalies in train."""
    lines = [f"data validation failed: {len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'} against "
             "the schema"]
    lines += [f"  [train] {name}: {short} ({long})" for name, (short, long) in sorted(anomalies.items())]
    return "\n".join(lines)


def _metric_key(task: str, name: str) -> str:
    """TFMA's key of a spec metric ('accuracy', 'sparse_categorical_accuracy'), as tfma_metric_name says."""
    class_name = METRICS[task][name]
    return "auc" if class_name == "AUC" else re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def metric_checks(loaded: LoadedSpec, accuracy: float, baseline: float | None) -> list[dict]:
    """tfxkit.runners.evaluation.metric_checks' answer for a candidate of this accuracy (other metrics: 0.9)."""
    spec = loaded.spec
    checks = []
    for name in spec.metric_names():
        key = _metric_key(spec.model.task, name)
        value = accuracy if name == "accuracy" else 0.9
        base = (baseline if name == "accuracy" else 0.9) if baseline is not None else None
        change = value - base if base is not None else None
        gate = spec.evaluation.thresholds.get(name)
        failures = []
        if gate is not None and gate.lower_bound is not None and value < gate.lower_bound:
            failures.append(f"{name} {value:.4f} is below lower_bound {gate.lower_bound:g} on all data")
        if gate is not None and gate.upper_bound is not None and value > gate.upper_bound:
            failures.append(f"{name} {value:.4f} is above upper_bound {gate.upper_bound:g} on all data")
        if gate is not None and change is not None and gate.min_improvement is not None \
                and change < gate.min_improvement:
            failures.append(f"{name} changed by {change:.4f} vs the baseline (needs >= {gate.min_improvement:g}) "
                            "on all data")
        checks.append({"metric": name, "key": key, "value": value, "baseline": base, "change": change,
                       "threshold": gate.model_dump(exclude_none=True) if gate else None,
                       "passed": not failures if gate else None, "failures": failures})
    return checks


def slice_metrics(loaded: LoadedSpec, accuracy: float, baseline: float | None) -> list[dict]:
    """tfxkit.runners.evaluation.slice_metrics' answer: all data, then one row per island."""
    rows = [{"slice": "all data", "metrics": {"accuracy": accuracy},
             "baseline": {"accuracy": baseline} if baseline is not None else {}, "examples": SPLITS["eval"]}]
    if "island" in loaded.spec.evaluation.slices:
        for i, (island, share) in enumerate(ISLANDS.items()):
            rows.append({"slice": f"island={island}", "metrics": {"accuracy": round(accuracy - 0.01 * i, 4)},
                         "baseline": {"accuracy": baseline} if baseline is not None else {},
                         "examples": round(SPLITS["eval"] * share)})
    return rows


def write_statistics(uri: str, splits: dict[str, int] = SPLITS) -> None:
    """StatisticsGen's output: one DatasetFeatureStatisticsList per split (Split-<name>/FeatureStats.pb)."""
    from tensorflow_metadata.proto.v0 import statistics_pb2 as stats

    for split, rows in splits.items():
        dataset = stats.DatasetFeatureStatistics(num_examples=rows)
        for name, (low, high) in NUMERIC.items():
            feature = dataset.features.add(type=stats.FeatureNameStatistics.FLOAT)
            feature.path.step.append(name)
            num = feature.num_stats
            num.common_stats.num_non_missing, num.common_stats.num_missing = rows - 1, 1
            num.mean, num.std_dev, num.min, num.max = (low + high) / 2, (high - low) / 4, low, high
            histogram = num.histograms.add(type=stats.Histogram.STANDARD)
            width = (high - low) / 4
            for i, share in enumerate((0.2, 0.3, 0.3, 0.2)):
                histogram.buckets.add(low_value=low + i * width, high_value=low + (i + 1) * width,
                                      sample_count=share * (rows - 1))
        for name, values in CATEGORICAL.items():
            feature = dataset.features.add(type=stats.FeatureNameStatistics.STRING)
            feature.path.step.append(name)
            string = feature.string_stats
            missing = round(rows * (1 - sum(values.values())))
            string.common_stats.num_non_missing, string.common_stats.num_missing = rows - missing, missing
            string.unique = len(values)
            for value, share in values.items():
                string.top_values.add(value=value, frequency=round(rows * share))
        os.makedirs(f"{uri}/Split-{split}", exist_ok=True)
        Path(f"{uri}/Split-{split}/FeatureStats.pb").write_bytes(
            stats.DatasetFeatureStatisticsList(datasets=[dataset]).SerializeToString())


def write_anomalies(uri: str, anomalies: dict[str, tuple[str, str]]) -> None:
    """ExampleValidator's output: Split-<name>/SchemaDiff.pb, the anomalies (in train) or none."""
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    for split in SPLITS:
        found = anomalies_pb2.Anomalies()
        if split == "train":
            for name, (short, long) in anomalies.items():
                info = found.anomaly_info[name]
                info.short_description, info.description = short, long
                info.severity = anomalies_pb2.AnomalyInfo.ERROR
        os.makedirs(f"{uri}/Split-{split}", exist_ok=True)
        Path(f"{uri}/Split-{split}/SchemaDiff.pb").write_bytes(found.SerializeToString())


def write_training(uri: str, loaded: LoadedSpec, accuracy: float, hyperparameters: mlmd.Artifact | None) -> None:
    """The Trainer's model_run: tfxkit's trained_config.json and Keras' TensorBoard logs (train, validation)."""
    resolved = loaded.resolved()
    epochs = resolved["trainer"]["epochs"]
    best = {}
    if hyperparameters is not None:
        best = json.loads(Path(f"{hyperparameters.uri}/best_hyperparameters.txt").read_text())["values"]
    Path(f"{uri}/{TRAINED_CONFIG}").write_text(json.dumps({
        "model": resolved["model"], "trainer": resolved["trainer"], "hyperparameters": best,
        "training": {"epochs_run": epochs, "max_epochs": epochs, "early_stopped_at_epoch": None, "best_epoch": None,
                     "seconds": 12.5, "final": {"loss": 0.1, "accuracy": accuracy}},
        "hardware": hardware_record(resolved["trainer"]),
    }, indent=2, sort_keys=True))
    write_curves(uri, {"loss": [1.0 / (e + 1) for e in range(epochs)],
                       "accuracy": [accuracy * (e + 1) / epochs for e in range(epochs)]})


def hardware_record(trainer: dict) -> dict:
    """The Trainer's recorded hardware plan (HardwarePlan.record) for a CPU-only host: one replica, or the
    spec's cpu_replicas logical CPUs; mixed_bfloat16 when mixed_precision is on."""
    replicas = trainer.get("cpu_replicas") or 1
    precision = "mixed_bfloat16" if trainer["mixed_precision"] == "on" else "float32"
    devices = "logical CPU" if trainer.get("cpu_replicas") else "CPU"
    return {"strategy": "mirrored" if trainer.get("cpu_replicas") else "default", "replicas": replicas,
            "devices": devices, "gpus": [], "precision": precision, "loss_scaling": False, "why": "",
            "batch_size_per_replica": trainer["batch_size"], "global_batch_size": trainer["batch_size"] * replicas,
            "summary": f"{replicas} replica{'s' if replicas > 1 else ''} ({devices}), {precision}"}


def write_curves(log_dir: str, metrics: dict[str, list[float]]) -> None:
    """TensorBoard event files as Keras' callback writes them: `epoch_<metric>` tensor summaries per epoch, in
    a `train` and a `validation` folder (validation 0.02 below train), in TFRecord framing by TensorBoard's
    own record writer (its higher-level writer reaches for TensorFlow's file system when TF is installed)."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter
    from tensorboard.util import tensor_util

    for part, offset in (("train", 0.0), ("validation", -0.02)):
        os.makedirs(os.path.join(log_dir, part), exist_ok=True)
        path = os.path.join(log_dir, part, f"events.out.tfevents.{int(time.time())}.test.{os.getpid()}.0.v2")
        with open(path, "wb") as fh:
            writer = RecordWriter(fh)
            writer.write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString())
            for metric, values in metrics.items():
                for step, value in enumerate(values):
                    summary = summary_pb2.Summary()
                    entry = summary.value.add(tag=f"epoch_{metric}")
                    entry.metadata.plugin_data.plugin_name = "scalars"
                    entry.tensor.CopyFrom(tensor_util.make_tensor_proto(value + offset))
                    writer.write(event_pb2.Event(wall_time=time.time(), step=step, summary=summary)
                                 .SerializeToString())


def write_trials(uri: str, trials: list[dict[str, Any]]) -> None:
    """The Tuner's tuner_results.json (best first) and a TensorBoard folder per trial."""
    Path(f"{uri}/tuner_results.json").write_text(json.dumps(trials))
    for trial in trials:
        write_curves(os.path.join(uri, TRIAL_LOGS, str(trial["trial_id"])), {"loss": [0.5, 0.4]})


@dataclass
class History:
    """tests/e2e/test_lineage.py's runs, in one store: a first run (pushed), a run with a lower learning rate
    (data nodes and Transform cached; pushed, served now), and a run whose threshold the model cannot meet
    (its Trainer cached: the same model; not blessed, not pushed)."""

    pipeline: PipelineStore
    first: RecordedRun
    second: RecordedRun
    third: RecordedRun

    def store(self) -> Store:
        return self.pipeline.store()


def penguin_history(tmp_path: Path) -> History:
    pipeline = PipelineStore(tmp_path)
    first = pipeline.run(accuracy=0.95)
    second = pipeline.run(accuracy=0.96, cached=DATA_NODES, overrides={"trainer.learning_rate": 0.005})
    third = pipeline.run(accuracy=0.96, cached=DATA_NODES + ("Trainer",),
                         overrides={"trainer.learning_rate": 0.005, "evaluation.thresholds.accuracy.lower_bound": 0.999})
    return History(pipeline, first, second, third)


def write_span(data: Path, span: int, version: int, source: list[str]) -> Path:
    """`data/span-<span>/v<version>/part-0.csv`: a slice of the source rows of its own for each span and version."""
    path = data / f"span-{span}" / f"v{version}" / "part-0.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([source[0], *source[1:][(span - 1) * 2 + version - 1::7]]) + "\n", encoding="utf-8")
    return path


def spans_history(tmp: Path) -> tuple[PipelineStore, RecordedRun, RecordedRun, Path]:
    """Data in spans: run 1 reads spans 1 and 2; span 3 arrives and span 2 gets a version 2: run 2 reads span 2
    (version 2) and 3. (builder, run 1, run 2, the data folder)."""
    builder = PipelineStore(tmp)
    source = builder.data_file.read_text(encoding="utf-8").splitlines()
    data = tmp / "spans"
    for span in (1, 2):
        write_span(data, span, 1, source)
    builder.overrides.update({"data.path": str(data / "span-{SPAN}/v{VERSION}/part-*.csv"),
                              "data.spans": {"last": 2}})
    first = builder.run()
    write_span(data, 3, 1, source)
    write_span(data, 2, 2, source)
    second = builder.run()
    return builder, first, second, data
