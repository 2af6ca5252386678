"""Planned nodes -> a real `tfx.orchestration.pipeline.Pipeline`.

`plan_nodes` decides every node, its wiring and parameters; this module only
turns each node into its TFX component, one small builder per kind, and wires
the inputs the plan names. Components come from their concrete modules (not
`tfx.v1`, whose import pulls in Google Cloud SDKs and costs ~30 s). Transform
and Trainer run tfxkit's generic modules by import path, with the spec
sections they need in `custom_config`: no wheel is built at run time, and the
same pipeline compiles for Kubeflow with the tfxkit package baked into the image.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.components.example_gen.import_example_gen.component import ImportExampleGen
from tfx.components.example_validator.component import ExampleValidator
from tfx.components.pusher.component import Pusher
from tfx.components.schema_gen.component import SchemaGen
from tfx.components.schema_gen.import_schema_gen.component import ImportSchemaGen
from tfx.components.trainer.component import Trainer
from tfx.dsl.components.base.base_component import BaseComponent
from tfx.dsl.components.base.executor_spec import BeamExecutorSpec, ExecutorClassSpec
from tfx.dsl.components.common.resolver import Resolver
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy
from tfx.orchestration import pipeline as tfx_pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, range_config_pb2, trainer_pb2
from tfx.types import Channel, channel_utils, standard_artifacts

from tfxkit.components.atomic_pusher import executor as atomic_pusher
from tfxkit.components.baseline_resolver.strategy import (
    CANDIDATE_KEY,
    LatestBlessedOtherModelStrategy,
    ServedModelStrategy,
)
from tfxkit.components.csv_example_gen.component import CsvExampleGen
from tfxkit.components.data_gate.component import AnomaliesGate
from tfxkit.components.evaluator.component import Evaluator
from tfxkit.components.served_model_resolver.strategy import LatestPushedModelStrategy
from tfxkit.components.statistics_gen.component import StatisticsGen
from tfxkit.components.transform.component import Transform
from tfxkit.config.load import LoadedSpec
from tfxkit.config.paths import split_input
from tfxkit.config.sections.components import CODE_HASH_PROPERTY, RUN_FACTS
from tfxkit.dag.evaluation import eval_config
from tfxkit.dag.example_gens import LATEST_SPAN, selected_files
from tfxkit.dag.nodes import Kind, Node, Source, sources
from tfxkit.dag.plan import ClusterTarget, DriftBaseline, plan_nodes
from tfxkit.dag.staging import content_addressed_copy
from tfxkit.metadata.connection import spec_connection_config
from tfxkit.metadata.facts import file_fact

Inputs = dict[str, Any]  # input key -> the upstream output channel


def build_pipeline(loaded: LoadedSpec, beam_args: list[str] | None = None,
                   cluster: ClusterTarget | None = None,
                   drift_baseline: DriftBaseline | None = None) -> tfx_pipeline.Pipeline:
    """The TFX pipeline of `plan_nodes(loaded, cluster, drift_baseline)`, node for node.

    `beam_args` is the whole list the Beam-based components get (the runner's
    defaults, the spec's `pipeline.beam_args`, then the command line's, so that
    the later wins); None means the spec's alone. With `cluster` (Kubeflow) the
    plan has the cluster's paths; the pipeline gets its resources and no local
    metadata store.
    """
    spec = loaded.spec
    built: dict[str, BaseComponent] = {}
    for node in plan_nodes(loaded, cluster, drift_baseline):
        inputs = {key: _channel(built, source) for key, source in node.inputs.items()}
        component = _BUILDERS[node.kind](node, inputs, loaded)
        for upstream in node.after:
            component.add_upstream_node(built[upstream])
        built[node.id] = component
    if cluster:
        return _cluster_pipeline(loaded, cluster, list(built.values()))
    return tfx_pipeline.Pipeline(
        pipeline_name=spec.pipeline.name,
        pipeline_root=loaded.resolve(spec.pipeline.root),
        components=list(built.values()),
        enable_cache=spec.pipeline.cache,
        metadata_connection_config=spec_connection_config(loaded),
        beam_pipeline_args=list(spec.pipeline.beam_args if beam_args is None else beam_args),
    )


def _channel(built: dict[str, BaseComponent], source: Source) -> Channel:
    """An upstream output, or for a union (every span's Examples) TFX's union of those channels."""
    channels = [built[node].outputs[key] for node, _, key in (one.partition(".") for one in sources(source))]
    return channels[0] if isinstance(source, str) else channel_utils.union(channels)


def _example_gen_configs(node: Node) -> dict[str, Any]:
    """input_base, input_config and output_config; for one span, also the RangeConfig of that span alone
    (TFX's driver then reads the span's newest version and records span and version on the artifact), or
    for 'latest' a RollingRange of one span (the newest on disk when the run starts)."""
    input_base, pattern = split_input(node.params["input"])
    splits = node.params["splits"]
    span = node.params.get("span")
    if span is None:
        ranged = {}
    elif span == LATEST_SPAN:  # a compiled pipeline's window of the newest span: TFX's driver resolves it per run
        ranged = {"range_config": range_config_pb2.RangeConfig(rolling_range=range_config_pb2.RollingRange(
            num_spans=1))}
    else:
        ranged = {"range_config": range_config_pb2.RangeConfig(
            static_range=range_config_pb2.StaticRange(start_span_number=span, end_span_number=span))}
    return {**ranged,
        "input_base": input_base,
        "input_config": example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="all", pattern=pattern)]),
        "output_config": example_gen_pb2.Output(split_config=example_gen_pb2.SplitConfig(splits=[
            example_gen_pb2.SplitConfig.Split(name=name, hash_buckets=buckets) for name, buckets in splits.items()])),
    }


def _csv_example_gen(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    gen = CsvExampleGen(**_example_gen_configs(node), delimiter=node.params["delimiter"])
    return gen if node.id == "CsvExampleGen" else gen.with_id(node.id)


def _import_example_gen(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    gen = ImportExampleGen(**_example_gen_configs(node))
    return gen if node.id == "ImportExampleGen" else gen.with_id(node.id)


def _file_example_gen(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    """Parquet or Avro: TFX's FileBasedExampleGen with TFX's own executor for the format."""
    if node.params["executor"] == "parquet":
        from tfx.components.example_gen.custom_executors import parquet_executor as executor
    else:
        from tfx.components.example_gen.custom_executors import avro_executor as executor
    return FileBasedExampleGen(**_example_gen_configs(node),
                               custom_executor_spec=BeamExecutorSpec(executor.Executor)).with_id(node.id)


def _import_schema_gen(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    schema_file, root = node.params["schema_file"], node.params["stage_into"]
    return ImportSchemaGen(schema_file=content_addressed_copy(schema_file, root) if root else schema_file)


def _transform(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    return Transform(**inputs, **node.params)


def _trainer(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    return Trainer(**inputs, **node.params, train_args=trainer_pb2.TrainArgs(), eval_args=trainer_pb2.EvalArgs())


def _tuner(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    from tfx.components.tuner.component import Tuner  # imports KerasTuner (2 s): only pipelines that tune

    return Tuner(**inputs, **node.params, train_args=trainer_pb2.TrainArgs(), eval_args=trainer_pb2.EvalArgs())


def _resolver(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    """A Resolver over the pipeline's models and, as its strategy reads them, their blessings and pushes."""
    strategy, channels = _STRATEGIES[node.params["strategy"]]
    return Resolver(strategy_class=strategy, **{key: Channel(type=kind) for key, kind in channels.items()},
                    **{CANDIDATE_KEY if key == "candidate" else key: ch for key, ch in inputs.items()},
                    ).with_id(node.id)


# The plan's resolver strategies: (class, the channels it reads: every artifact of a type in the pipeline).
_MODELS, _BLESSINGS, _PUSHES = (("model", standard_artifacts.Model), ("model_blessing", standard_artifacts.ModelBlessing),
                                ("pushed_model", standard_artifacts.PushedModel))
_STRATEGIES = {
    "latest_blessed": (LatestBlessedModelStrategy, dict([_MODELS, _BLESSINGS])),
    "latest_blessed_other": (LatestBlessedOtherModelStrategy, dict([_MODELS, _BLESSINGS])),
    "served_other": (ServedModelStrategy, dict([_MODELS, _BLESSINGS, _PUSHES])),
    "latest_pushed": (LatestPushedModelStrategy, dict([_MODELS, _PUSHES])),
}


def _evaluator(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    return Evaluator(**inputs, eval_config=eval_config(node.params))


def _pusher(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    destination = pusher_pb2.PushDestination(
        filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=node.params["destination"]))
    return Pusher(**inputs, push_destination=destination,
                  custom_executor_spec=ExecutorClassSpec(atomic_pusher.Executor))


def _custom(node: Node, inputs: Inputs, loaded: LoadedSpec) -> BaseComponent:
    """A custom component from `components:`, with its source hash as an execution property: TFX's cache key
    covers parameters and inputs, not the executor's code."""
    params = node.params
    _importable(params["import_root"])
    cls = getattr(importlib.import_module(params["module"]), params["class"])
    parameters = dict(params["parameters"])
    if params["run_facts"]:
        parameters[RUN_FACTS] = run_facts(loaded)
    component = cls(**inputs, **parameters).with_id(node.id)
    component.exec_properties[CODE_HASH_PROPERTY] = params["code_hash"]
    return component


def _importable(root: str) -> None:
    """Put a component's import root on sys.path and PYTHONPATH (for worker processes TFX or Beam start)."""
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
                             "data_files": [fact(p) for p in selected_files(loaded)]}
    if spec.schema_.file:
        facts["schema_file"] = fact(loaded.resolve(spec.schema_.file))
    return json.dumps(facts, sort_keys=True)


_BUILDERS: dict[Kind, Callable[[Node, Inputs, LoadedSpec], BaseComponent]] = {
    Kind.CSV_EXAMPLE_GEN: _csv_example_gen,
    Kind.IMPORT_EXAMPLE_GEN: _import_example_gen,
    Kind.FILE_EXAMPLE_GEN: _file_example_gen,
    Kind.STATISTICS_GEN: lambda node, inputs, loaded: StatisticsGen(**inputs),
    Kind.SCHEMA_GEN: lambda node, inputs, loaded: SchemaGen(**inputs, **node.params),
    Kind.IMPORT_SCHEMA_GEN: _import_schema_gen,
    Kind.EXAMPLE_VALIDATOR: lambda node, inputs, loaded: ExampleValidator(**inputs),
    Kind.DATA_GATE: lambda node, inputs, loaded: AnomaliesGate(**inputs, **node.params),
    Kind.TRANSFORM: _transform,
    Kind.TUNER: _tuner,
    Kind.TRAINER: _trainer,
    Kind.RESOLVER: _resolver,
    Kind.EVALUATOR: _evaluator,
    Kind.PUSHER: _pusher,
    Kind.CUSTOM: _custom,
}


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
