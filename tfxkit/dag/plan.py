"""The DAG a spec turns into, as plain data.

`plan_nodes` is the one place that decides which TFX components a spec gets and
how they are wired. `tfxkit plan` prints it without importing TFX, and
`tfxkit.dag.build` instantiates exactly these nodes, so what `plan` shows is
what runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tfxkit.config.load import LoadedSpec
from tfxkit.config.paths import data_files, guess_format

RESOLVER_ID = "latest_blessed_model_resolver"
GATE_ID = "AnomaliesGate"


@dataclass(frozen=True)
class Node:
    """One pipeline node: its TFX id and class, wiring and the parameters that matter."""

    id: str
    component: str
    inputs: dict[str, str] = field(default_factory=dict)  # input key -> "NodeId.output_key"
    outputs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()  # extra ordering edges with no artifact passed
    params: dict[str, Any] = field(default_factory=dict)
    cached: bool = True


def _describe(section) -> str:
    return " ".join(f"{k}={v}" for k, v in section.model_dump(exclude_none=True).items())


def data_format(loaded: LoadedSpec) -> str:
    """csv or tfrecord: declared, or guessed from the data files."""
    spec = loaded.spec
    return spec.data.format or guess_format(data_files(loaded.resolve(spec.data.path))) or "csv"


def plan_nodes(loaded: LoadedSpec) -> list[Node]:
    """The nodes of the pipeline, in a valid execution order."""
    spec = loaded.spec
    cache = spec.pipeline.cache
    fmt = data_format(loaded)
    gen = "CsvExampleGen" if fmt == "csv" else "ImportExampleGen"
    nodes = [
        Node(
            gen,
            gen,
            outputs=("examples",),
            params={"input": loaded.resolve(spec.data.path), "split": spec.data.split.model_dump()},
            cached=cache,
        ),
        Node("StatisticsGen", "StatisticsGen", {"examples": f"{gen}.examples"}, ("statistics",), cached=cache),
    ]
    if spec.schema_.file:
        nodes.append(
            Node(
                "ImportSchemaGen",
                "ImportSchemaGen",
                outputs=("schema",),
                params={"schema_file": loaded.resolve(spec.schema_.file)},
                cached=cache,
            )
        )
        schema = "ImportSchemaGen.schema"
    else:
        nodes.append(Node("SchemaGen", "SchemaGen", {"statistics": "StatisticsGen.statistics"}, ("schema",),
                          cached=cache))
        schema = "SchemaGen.schema"
    nodes.append(
        Node("ExampleValidator", "ExampleValidator", {"statistics": "StatisticsGen.statistics", "schema": schema},
             ("anomalies",), cached=cache)
    )
    gate_after: tuple[str, ...] = ()
    if spec.validation.gate:
        nodes.append(Node(GATE_ID, "AnomaliesGate (tfxkit)", {"anomalies": "ExampleValidator.anomalies",
                                                               "statistics": "StatisticsGen.statistics"},
                          cached=cache))
        gate_after = (GATE_ID,)
    transform_params = (
        {"module_file": loaded.resolve(spec.transform.module_file)}
        if spec.transform.module_file
        else {"features": {k: v.transform for k, v in spec.transform.features.items()}}
    )
    nodes += [
        Node(
            "Transform",
            "Transform",
            {"examples": f"{gen}.examples", "schema": schema},
            ("transform_graph", "transformed_examples"),
            after=gate_after,
            params=transform_params,
            cached=cache,
        ),
    ]
    trainer_inputs = {
        "examples": "Transform.transformed_examples",
        "transform_graph": "Transform.transform_graph",
        "schema": schema,
    }
    if spec.tuning:
        tuning = spec.tuning
        nodes.append(Node(
            "Tuner",
            "Tuner (KerasTuner)",
            dict(trainer_inputs),
            ("best_hyperparameters", "tuner_results"),
            params={
                "algorithm": tuning.algorithm,
                "max_trials": tuning.max_trials,
                "epochs_per_trial": tuning.epochs_per_trial,
                "search_space": sorted(tuning.search_space),
            },
            cached=cache,
        ))
        trainer_inputs["hyperparameters"] = "Tuner.best_hyperparameters"
    nodes += [
        Node(
            "Trainer",
            "Trainer",
            trainer_inputs,
            ("model", "model_run"),
            params={
                "model": f"{spec.model.type} {spec.model.task} {spec.model.hidden_units}",
                "epochs": spec.trainer.epochs,
                "batch_size": spec.trainer.batch_size,
                "optimizer": _describe(spec.trainer.optimizer),
                "learning_rate": _describe(spec.trainer.learning_rate),
            },
            cached=cache,
        ),
        Node(RESOLVER_ID, "Resolver (latest blessed model other than the candidate)",
             {"candidate": "Trainer.model"}, ("model", "model_blessing"), cached=False),
        Node(
            "Evaluator",
            "Evaluator",
            {"examples": f"{gen}.examples", "model": "Trainer.model", "baseline_model": f"{RESOLVER_ID}.model"},
            ("evaluation", "blessing"),
            params={
                "metrics": spec.metric_names(),
                "thresholds": {k: v.model_dump(exclude_none=True) for k, v in spec.evaluation.thresholds.items()},
                "slices": spec.evaluation.slices,
            },
            cached=cache,
        ),
        Node(
            "Pusher",
            "Pusher",
            {"model": "Trainer.model", "model_blessing": "Evaluator.blessing"},
            ("pushed_model",),
            params={"destination": loaded.resolve(spec.push_destination())},
            cached=cache,
        ),
    ]
    return nodes


@dataclass(frozen=True)
class ClusterTarget:
    """Where a pipeline compiled for Kubeflow reads and writes, as the cluster sees it.

    `tfxkit.deploy.target` decides these values (and refuses what a cluster cannot
    read); `tfxkit.dag.build` only wires them in, so the local DAG and the compiled
    one differ in paths, resources and the baseline resolver, never in components.
    """

    name: str
    image: str
    pipeline_root: str
    data_path: str
    schema_file: str | None
    push_destination: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # node id -> {cpu, memory_gb, gpu, accelerator}
