"""Spec -> a real `tfx.orchestration.pipeline.Pipeline` of standard TFX components.

Each node of `plan_nodes` becomes one component here. Components come from
their concrete modules (not `tfx.v1`, whose import pulls in Google Cloud SDKs
and costs ~30 s). Transform and Trainer run tfxkit's generic modules by
import path, with the spec sections they need in `custom_config`: no wheel is
built at run time, and the same pipeline compiles for Kubeflow with the
tfxkit package baked into the image.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import tensorflow_model_analysis as tfma
from google.protobuf import wrappers_pb2
from tfx.components.evaluator.component import Evaluator
from tfx.components.example_gen.import_example_gen.component import ImportExampleGen
from tfx.components.example_validator.component import ExampleValidator
from tfx.components.pusher.component import Pusher
from tfx.components.schema_gen.component import SchemaGen
from tfx.components.schema_gen.import_schema_gen.component import ImportSchemaGen
from tfx.components.statistics_gen.component import StatisticsGen
from tfx.components.trainer.component import Trainer
from tfx.components.transform.component import Transform
from tfx.components.tuner.component import Tuner
from tfx.dsl.components.base.executor_spec import BeamExecutorSpec, ExecutorClassSpec
from tfx.dsl.components.common.resolver import Resolver
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy
from tfx.orchestration import pipeline as tfx_pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2
from tfx.types import Channel, standard_artifacts

from tfxkit.dag import atomic_push
from tfxkit.dag.anomalies_gate import AnomaliesGate
from tfxkit.dag.baseline_strategy import CANDIDATE_KEY, LatestBlessedOtherModelStrategy
from tfxkit.dag.csv_example_gen import CsvExampleGen
from tfxkit.dag.staging import content_addressed_copy
from tfxkit.dag.plan import RESOLVER_ID, ClusterTarget, custom_components, data_format, plan_nodes
from tfxkit.metadata.connection import spec_connection_config
from tfxkit.metadata.facts import file_fact
from tfxkit.config.component_file import ComponentInfo, code_hash
from tfxkit.config.load import LoadedSpec
from tfxkit.config.metrics import LOWER_IS_BETTER, METRICS
from tfxkit.config.paths import data_files, split_input
from tfxkit.config.sections.components import CODE_HASH_PROPERTY, RUN_FACTS
from tfxkit.config.sections.evaluation import ThresholdSection

PREPROCESSING_FN = "tfxkit.modules.preprocessing.preprocessing_fn"
RUN_FN = "tfxkit.modules.trainer.run_fn"
TUNER_FN = "tfxkit.modules.tuning.tuner_fn"
_MODULES_DIR = Path(__file__).resolve().parent.parent / "modules"


def modules_code_hash(names: tuple[str, ...] = ()) -> str:
    """Hash of tfxkit's generic module sources (all of them, or the named files).

    TFX's cache key covers a component's parameters but not code imported by
    path, so this hash goes into custom_config: editing the generic Transform
    or Trainer code invalidates their cached results.
    """
    digest = hashlib.sha256()
    paths = [_MODULES_DIR / n for n in names] if names else sorted(_MODULES_DIR.glob("*.py"))
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def transform_config(loaded: LoadedSpec) -> dict[str, Any]:
    """What the generic preprocessing_fn needs from the spec."""
    spec = loaded.spec
    return {
        "label": spec.data.label,
        "task": spec.model.task,
        "features": {name: f.model_dump() for name, f in spec.transform.features.items()},
        "code": modules_code_hash(("preprocessing.py",)),
    }


def trainer_config(loaded: LoadedSpec) -> dict[str, Any]:
    """What the generic run_fn needs from the spec."""
    spec = loaded.spec
    return {
        "label": spec.data.label,
        "task": spec.model.task,
        "model": spec.model.model_dump(),
        "trainer": spec.trainer.model_dump(),
        "metrics": spec.metric_names(),
        "code": modules_code_hash(),
    }


def metric_threshold(name: str, gate: ThresholdSection) -> tfma.MetricThreshold:
    """Absolute bounds and the change against the baseline, with the metric's direction."""
    threshold = tfma.MetricThreshold()
    if gate.lower_bound is not None:
        threshold.value_threshold.lower_bound.value = gate.lower_bound
    if gate.upper_bound is not None:
        threshold.value_threshold.upper_bound.value = gate.upper_bound
    if gate.min_improvement is not None:
        lower = name in LOWER_IS_BETTER
        threshold.change_threshold.direction = (
            tfma.MetricDirection.LOWER_IS_BETTER if lower else tfma.MetricDirection.HIGHER_IS_BETTER
        )
        threshold.change_threshold.absolute.value = -gate.min_improvement if lower else gate.min_improvement
    return threshold


def eval_config(loaded: LoadedSpec) -> tfma.EvalConfig:
    """TFMA config: the serving model on raw examples, label transformed by the same graph."""
    spec = loaded.spec
    task = spec.model.task
    overall = tfma.SlicingSpec()
    slices = [tfma.SlicingSpec(feature_keys=[s]) for s in spec.evaluation.slices]
    metrics = []
    for name in spec.metric_names():
        metric = tfma.MetricConfig(class_name=METRICS[task][name])
        gate = spec.evaluation.thresholds.get(name)
        if gate is not None:
            # Per-slice thresholds: TFMA applies a plain `threshold` to every slice.
            metric.per_slice_thresholds.append(tfma.PerSliceMetricThreshold(
                slicing_specs=[overall] + (slices if gate.per_slice else []),
                threshold=metric_threshold(name, gate),
            ))
        metrics.append(metric)
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(
                signature_name="serving_default",
                label_key=f"{spec.data.label}_xf",
                preprocessing_function_names=["transform_features"],
            )
        ],
        slicing_specs=[overall] + slices,
        metrics_specs=[tfma.MetricsSpec(metrics=metrics)],
        # Only the metrics named above. TFMA's defaults (the model's compiled metrics) load every model once more
        # through Keras, which parses the SavedModel in pure-Python protobuf: most of the Evaluator's time.
        options=tfma.Options(include_default_metrics=wrappers_pb2.BoolValue(value=False)),
    )


def drift_parameter(loaded: LoadedSpec, baseline: DriftBaseline | None) -> str:
    """The gate's `drift` parameter: the served model's statistics and the thresholds, as JSON ('' = no check).

    A new baseline (another model served) changes the parameter, so TFX's cache
    re-runs the gate; the same baseline and data keep it cached.
    """
    drift = loaded.spec.validation.drift
    if baseline is None or drift.enabled is False:
        return ""
    return json.dumps({"baseline_uri": baseline.uri, "baseline_splits": baseline.splits,
                       "baseline_run": baseline.run_id, **drift.model_dump(exclude={"enabled"})}, sort_keys=True)


def build_pipeline(loaded: LoadedSpec, beam_args: list[str] | None = None,
                   cluster: ClusterTarget | None = None,
                   drift_baseline: DriftBaseline | None = None) -> tfx_pipeline.Pipeline:
    """The TFX pipeline for a loaded spec, wired as `plan_nodes` says.

    `drift_baseline` is the statistics of the served model's data (the runner
    looks it up in MLMD); Kubeflow runs have no local store and no drift check.

    `beam_args` is the whole list the Beam-based components get (the runner's
    defaults, the spec's `pipeline.beam_args`, then the command line's, so that
    the later wins); None means the spec's alone.

    With `cluster` (Kubeflow) the same components get the cluster's paths and
    resources, no local metadata store, and TFX's LatestBlessedModelStrategy for
    the baseline: the V2 compiler accepts no custom resolver strategy.
    """
    spec = loaded.spec
    planned = {node.id: node for node in plan_nodes(loaded)}
    built: dict[str, Any] = {}

    input_base, pattern = split_input(cluster.data_path if cluster else loaded.resolve(spec.data.path))
    input_config = example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="all", pattern=pattern)])
    output_config = example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[
                example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=spec.data.split.train),
                example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=spec.data.split.eval),
            ]
        )
    )
    if data_format(loaded) == "csv":
        gen = CsvExampleGen(input_base=input_base, input_config=input_config, output_config=output_config,
                            delimiter=spec.data.delimiter)
    else:
        gen = ImportExampleGen(input_base=input_base, input_config=input_config, output_config=output_config)
    built[gen.id] = gen
    examples = gen.outputs["examples"]

    stats = StatisticsGen(examples=examples)
    built[stats.id] = stats
    if spec.schema_.file and cluster:
        schema_file = cluster.schema_file  # baked into the image; the image's tag versions it
        schema_gen = ImportSchemaGen(schema_file=schema_file)
    elif spec.schema_.file:
        schema_file = content_addressed_copy(loaded.resolve(spec.schema_.file), loaded.resolve(spec.pipeline.root))
        schema_gen = ImportSchemaGen(schema_file=schema_file)
    else:
        schema_gen = SchemaGen(statistics=stats.outputs["statistics"], infer_feature_shape=True)
    built[schema_gen.id] = schema_gen
    schema = schema_gen.outputs["schema"]

    validator = ExampleValidator(statistics=stats.outputs["statistics"], schema=schema)
    built[validator.id] = validator

    # Raw-data statistics come from StatisticsGen; Transform's own pre/post
    # statistics would double the Beam work on every run.
    code = (
        {"module_file": loaded.resolve(spec.transform.module_file)}
        if spec.transform.module_file
        else {"preprocessing_fn": PREPROCESSING_FN}
    )
    transform = Transform(examples=examples, schema=schema, custom_config=transform_config(loaded),
                          disable_statistics=True, **code)
    built[transform.id] = transform
    if spec.validation.gate:
        gate = AnomaliesGate(anomalies=validator.outputs["anomalies"], statistics=stats.outputs["statistics"],
                             drift=drift_parameter(loaded, None if cluster else drift_baseline))
        built[gate.id] = gate
        transform.add_upstream_node(gate)

    tuned = None
    if spec.tuning:
        tuner = Tuner(
            examples=transform.outputs["transformed_examples"],
            transform_graph=transform.outputs["transform_graph"],
            schema=schema,
            tuner_fn=TUNER_FN,
            train_args=trainer_pb2.TrainArgs(),
            eval_args=trainer_pb2.EvalArgs(),
            custom_config={**trainer_config(loaded), "tuning": spec.tuning.model_dump()},
        )
        built[tuner.id] = tuner
        tuned = tuner.outputs["best_hyperparameters"]

    trainer = Trainer(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema,
        hyperparameters=tuned,
        run_fn=RUN_FN,
        train_args=trainer_pb2.TrainArgs(),
        eval_args=trainer_pb2.EvalArgs(),
        custom_config=trainer_config(loaded),
    )
    built[trainer.id] = trainer

    if cluster:
        resolver = Resolver(
            strategy_class=LatestBlessedModelStrategy,
            model=Channel(type=standard_artifacts.Model),
            model_blessing=Channel(type=standard_artifacts.ModelBlessing),
        ).with_id(RESOLVER_ID)
    else:
        resolver = Resolver(
            strategy_class=LatestBlessedOtherModelStrategy,
            model=Channel(type=standard_artifacts.Model),
            model_blessing=Channel(type=standard_artifacts.ModelBlessing),
            **{CANDIDATE_KEY: trainer.outputs["model"]},
        ).with_id(RESOLVER_ID)
    built[resolver.id] = resolver

    evaluator = Evaluator(
        examples=examples,
        model=trainer.outputs["model"],
        baseline_model=resolver.outputs["model"],
        eval_config=eval_config(loaded),
    )
    built[evaluator.id] = evaluator

    # Custom components and the Pusher, in the planned order: a custom one may read the Pusher's output
    # (after it) or gate it (before it: its InfraBlessing feeds infra_blessing, or the Pusher waits for it).
    customs = {entry.name: (entry, info) for entry, info in custom_components(loaded)}
    for node in planned.values():
        if node.id in customs:
            built[node.id] = custom_component(loaded, *customs[node.id], node.inputs, built)
            continue
        if node.id != "Pusher":
            continue
        infra = node.inputs.get("infra_blessing")
        pusher = Pusher(
            model=trainer.outputs["model"],
            # No thresholds, no quality gate: TFX's Evaluator never blesses a model it has nothing to check
            # against, so the Pusher then pushes every trained model (plan and run say so).
            model_blessing=evaluator.outputs["blessing"] if spec.evaluation.thresholds else None,
            infra_blessing=_channel(built, infra) if infra else None,
            push_destination=pusher_pb2.PushDestination(
                filesystem=pusher_pb2.PushDestination.Filesystem(
                    base_directory=cluster.push_destination if cluster else loaded.resolve(spec.push_destination()))
            ),
            custom_executor_spec=ExecutorClassSpec(atomic_push.Executor),
        )
        for upstream in node.after:
            pusher.add_upstream_node(built[upstream])
        built[pusher.id] = pusher

    missing = set(planned) ^ set(built)
    if missing:  # plan and build disagree: a bug in tfxkit, not in the spec
        raise AssertionError(f"plan and build disagree on nodes: {sorted(missing)}")
    if cluster:
        return _cluster_pipeline(loaded, cluster, [built[node_id] for node_id in planned])
    return tfx_pipeline.Pipeline(
        pipeline_name=spec.pipeline.name,
        pipeline_root=loaded.resolve(spec.pipeline.root),
        components=[built[node_id] for node_id in planned],
        enable_cache=spec.pipeline.cache,
        metadata_connection_config=spec_connection_config(loaded),
        beam_pipeline_args=list(spec.pipeline.beam_args if beam_args is None else beam_args),
    )


def _channel(built: dict[str, Any], source: str):
    node, _, key = source.partition(".")
    return built[node].outputs[key]


def importable(info: ComponentInfo) -> None:
    """Put the component's import root on sys.path and PYTHONPATH (for worker processes TFX or Beam start)."""
    root = str(info.import_root)
    if root not in sys.path:
        sys.path.insert(0, root)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


def run_facts(loaded: LoadedSpec) -> str:
    """The lineage facts tfxkit records after the run, computed now for a component that declares `run_facts`:
    the pipeline, the spec hash, and path, size and sha256 of the data files and the curated schema."""
    spec = loaded.spec

    def fact(path: str) -> dict[str, Any]:
        return {k: v for k, v in file_fact(path).items() if k != "modified"}  # a touched file is the same data

    facts: dict[str, Any] = {"pipeline": spec.pipeline.name, "spec_hash": loaded.spec_hash(),
                             "data_files": [fact(p) for p in data_files(loaded.resolve(spec.data.path))]}
    if spec.schema_.file:
        facts["schema_file"] = fact(loaded.resolve(spec.schema_.file))
    return json.dumps(facts, sort_keys=True)


def custom_component(loaded: LoadedSpec, entry: Any, info: ComponentInfo, inputs: dict[str, str],
                     built: dict[str, Any]):
    """A custom component from `components:`, wired to its upstream outputs, with its source hash as an
    execution property: TFX's cache key covers parameters and inputs, not the executor's code."""
    importable(info)
    cls = getattr(importlib.import_module(info.module), info.class_name)
    params = {k: float(v) if info.parameters[k].kind == "float" and isinstance(v, int) else v
              for k, v in entry.parameters.items()}
    if RUN_FACTS in info.parameters:
        params[RUN_FACTS] = run_facts(loaded)
    component = cls(**{key: _channel(built, source) for key, source in inputs.items()}, **params).with_id(entry.name)
    component.exec_properties[CODE_HASH_PROPERTY] = code_hash(info)
    return component


def _cluster_pipeline(loaded: LoadedSpec, cluster: ClusterTarget, components: list) -> tfx_pipeline.Pipeline:
    """The Kubeflow variant: resources as KFP ResourceSpecs, the remote root, no metadata connection."""
    from kfp.pipeline_spec import pipeline_spec_pb2

    resource_spec = pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec
    for component in components:
        wanted = cluster.resources.get(component.id)
        if wanted and not isinstance(component, Resolver):
            res = resource_spec()
            if "cpu" in wanted:
                res.cpu_limit = wanted["cpu"]
            if "memory_gb" in wanted:
                res.memory_limit = wanted["memory_gb"]
            if wanted.get("gpu"):
                res.accelerator.type = wanted["accelerator"]
                res.accelerator.count = wanted["gpu"]
            component.with_platform_config(res)
    spec = loaded.spec
    return tfx_pipeline.Pipeline(
        pipeline_name=cluster.name,
        pipeline_root=cluster.pipeline_root,
        components=components,
        enable_cache=spec.pipeline.cache,
        beam_pipeline_args=list(spec.pipeline.beam_args),
    )
