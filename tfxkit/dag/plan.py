"""The DAG a spec turns into, as plain data: the one place that decides it.

`plan_nodes` decides which TFX components a spec gets, how they are wired and
with which parameters (the real values). `tfxkit plan` prints it without
importing TFX, `tfxkit.dag.build` turns each node into its component without
deciding anything again, and the Kubeflow compile builds the same plan with the
cluster's paths (`ClusterTarget`): what `plan` shows is what runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tfxkit.config.load import LoadedSpec
from tfxkit.config.metrics import LOWER_IS_BETTER, METRICS
from tfxkit.dag.custom_nodes import custom_components, wiring_problems, with_custom
from tfxkit.dag.example_gens import data_format, example_gen_nodes, examples_of
from tfxkit.dag.nodes import GATE_ID, RESOLVER_ID, SERVED_MODEL_RESOLVER_ID, Kind, Node, Source

__all__ = ["ClusterTarget", "DriftBaseline", "plan_nodes", "data_format", "component_problems", "modules_code_hash"]

PREPROCESSING_FN = "tfxkit.modules.preprocessing.preprocessing_fn"
RUN_FN = "tfxkit.modules.trainer.run_fn"
TUNER_FN = "tfxkit.modules.tuning.tuner_fn"
_MODULES_DIR = Path(__file__).resolve().parent.parent / "modules"


@dataclass(frozen=True)
class DriftBaseline:
    """The statistics a run's data is compared with for drift: those of the served model's data."""

    uri: str
    splits: list[str]
    run_id: str  # the run that pushed the served model


@dataclass(frozen=True)
class ClusterTarget:
    """Where a pipeline compiled for Kubeflow reads and writes, as the cluster sees it.

    `tfxkit.deploy.target` decides these values (and refuses what a cluster cannot
    read); the plan only wires them in, so the local DAG and the compiled one
    differ in paths, resources and the baseline resolver, never in components.
    """

    name: str
    image: str
    pipeline_root: str
    data_path: str
    schema_file: str | None
    push_destination: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # node id -> {cpu, memory_gb, gpu, accelerator}


def plan_nodes(loaded: LoadedSpec, cluster: ClusterTarget | None = None,
               drift_baseline: DriftBaseline | None = None) -> list[Node]:
    """The nodes of the pipeline, in a valid execution order.

    With `cluster` (Kubeflow) the nodes read and write the cluster's paths and
    the baseline resolver is TFX's own (the V2 compiler accepts no custom
    resolver strategy); there is no local store, so no drift check.
    `drift_baseline` is the statistics of the served model's data (the runner
    looks it up in MLMD).

    Custom components (`components:`) are wired as declared; a `before_push`
    one feeds the Pusher's infra_blessing (an InfraBlessing output) or makes
    it wait. A spec loaded through `tfxkit.commands.common.load` has had its
    wiring checked (`component_problems`); here a wiring error raises.
    """
    problems = component_problems(loaded)
    if problems:
        raise ValueError("; ".join(message for _, message, _ in problems))
    standard = _standard_nodes(loaded, cluster, None if cluster else drift_baseline)
    return with_custom(standard, custom_components(loaded), loaded.spec.pipeline.cache)


def component_problems(loaded: LoadedSpec) -> list[tuple[tuple, str, bool]]:
    """The custom components' wiring checked against the standard nodes (see `custom_nodes.wiring_problems`)."""
    customs = custom_components(loaded)
    return wiring_problems(loaded, customs, _standard_nodes(loaded, None, None)) if customs else []


def _standard_nodes(loaded: LoadedSpec, cluster: ClusterTarget | None,
                    drift_baseline: DriftBaseline | None) -> list[Node]:
    """The standard TFX nodes the spec gets, Pusher last."""
    spec = loaded.spec
    # With spans: statistics (so the schema and the gate) of the newest span, Transform and Evaluator on all.
    gens, schema = example_gen_nodes(loaded, cluster), _schema_gen(loaded, cluster)
    examples = examples_of(gens)
    nodes = [*gens, Node("StatisticsGen", Kind.STATISTICS_GEN, "StatisticsGen", {"examples": f"{gens[-1].id}.examples"},
                         ("statistics",)), schema]
    schema_source = f"{schema.id}.schema"
    nodes.append(Node("ExampleValidator", Kind.EXAMPLE_VALIDATOR, "ExampleValidator",
                      {"statistics": "StatisticsGen.statistics", "schema": schema_source}, ("anomalies",)))
    if spec.validation.gate:
        nodes.append(_data_gate(loaded, drift_baseline))
    nodes.append(_transform(loaded, examples, schema_source, after=(GATE_ID,) if spec.validation.gate else ()))
    trainer_inputs = {"examples": "Transform.transformed_examples", "transform_graph": "Transform.transform_graph",
                      "schema": schema_source}
    if spec.tuning:
        nodes.append(_tuner(loaded, dict(trainer_inputs)))
        trainer_inputs["hyperparameters"] = "Tuner.best_hyperparameters"
    if spec.trainer.warm_start:
        nodes.append(_served_model_resolver(cluster))
        trainer_inputs["base_model"] = f"{SERVED_MODEL_RESOLVER_ID}.model"
    nodes += [_trainer(loaded, trainer_inputs), _resolver(cluster), _evaluator(loaded, examples),
              _pusher(loaded, cluster)]
    return [n if n.kind == Kind.RESOLVER else replace(n, cached=spec.pipeline.cache) for n in nodes]


def _schema_gen(loaded: LoadedSpec, cluster: ClusterTarget | None) -> Node:
    spec = loaded.spec
    if not spec.schema_.file:
        return Node("SchemaGen", Kind.SCHEMA_GEN, "SchemaGen", {"statistics": "StatisticsGen.statistics"},
                    ("schema",), params={"infer_feature_shape": True})
    local = loaded.resolve(spec.schema_.file)
    # Locally the schema is staged into the root under its content hash (a changed file is a changed
    # parameter, so the cache sees it); on a cluster it is baked into the image, whose tag versions it.
    params = ({"schema_file": cluster.schema_file, "stage_into": None} if cluster
              else {"schema_file": local, "stage_into": loaded.resolve(spec.pipeline.root)})
    return Node("ImportSchemaGen", Kind.IMPORT_SCHEMA_GEN, "ImportSchemaGen", outputs=("schema",), params=params,
                shown={"schema_file": local})


def _data_gate(loaded: LoadedSpec, baseline: DriftBaseline | None) -> Node:
    drift = loaded.spec.validation.drift
    shown = "off" if drift.enabled is False else (
        f"against the served model's data once one is served (Jensen-Shannon > {drift.jensen_shannon:g}, "
        f"L-infinity > {drift.l_infinity:g}, missing share +{drift.missing_increase:g})")
    return Node(GATE_ID, Kind.DATA_GATE, "AnomaliesGate (tfxkit)",
                {"anomalies": "ExampleValidator.anomalies", "statistics": "StatisticsGen.statistics"},
                params={"drift": drift_parameter(loaded, baseline)}, shown={"drift": shown})


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


def _transform(loaded: LoadedSpec, examples: Source, schema: str, after: tuple[str, ...]) -> Node:
    spec = loaded.spec
    features = spec.transform.features
    config = {"label": spec.data.label, "task": spec.model.task,
              "features": {name: f.model_dump() for name, f in features.items()},
              "code": modules_code_hash(("preprocessing.py",))}
    if spec.transform.module_file:
        code = {"module_file": loaded.resolve(spec.transform.module_file)}
        shown: dict[str, Any] = dict(code)
    else:
        code = {"preprocessing_fn": PREPROCESSING_FN}
        shown = {"features": {k: v.transform for k, v in features.items()}}
    # Raw-data statistics come from StatisticsGen; Transform's own pre/post statistics would double the Beam work.
    # Nothing feeds tf.Transform's analyzer cache back in (no `analyzer_cache` input), so writing it is waste too:
    # a Beam write per analyzer, about a quarter of Transform's time on penguin.
    return Node("Transform", Kind.TRANSFORM, "Transform", {"examples": examples, "schema": schema},
                ("transform_graph", "transformed_examples"), after=after,
                params={**code, "custom_config": config, "disable_statistics": True, "disable_analyzer_cache": True},
                shown=shown)


def trainer_config(loaded: LoadedSpec) -> dict[str, Any]:
    """What the generic run_fn (and tuner_fn) need from the spec."""
    spec = loaded.spec
    return {"label": spec.data.label, "task": spec.model.task, "model": spec.model.model_dump(),
            "trainer": spec.trainer.model_dump(), "metrics": spec.metric_names(), "code": modules_code_hash()}


def _tuner(loaded: LoadedSpec, inputs: dict[str, str]) -> Node:
    tuning = loaded.spec.tuning
    return Node("Tuner", Kind.TUNER, "Tuner (KerasTuner)", inputs, ("best_hyperparameters", "tuner_results"),
                params={"tuner_fn": TUNER_FN, "custom_config": {**trainer_config(loaded), "tuning": tuning.model_dump()}},
                shown={"algorithm": tuning.algorithm, "max_trials": tuning.max_trials,
                       "epochs_per_trial": tuning.epochs_per_trial, "search_space": sorted(tuning.search_space)})


def _described(section: Any) -> str:
    return " ".join(f"{k}={v}" for k, v in section.model_dump(exclude_none=True).items())


def _trainer(loaded: LoadedSpec, inputs: dict[str, str]) -> Node:
    spec = loaded.spec
    return Node("Trainer", Kind.TRAINER, "Trainer", inputs, ("model", "model_run"),
                params={"run_fn": RUN_FN, "custom_config": trainer_config(loaded)},
                shown={"model": f"{spec.model.type} {spec.model.task} {spec.model.hidden_units}",
                       "epochs": spec.trainer.epochs, "batch_size": spec.trainer.batch_size,
                       "optimizer": _described(spec.trainer.optimizer),
                       "learning_rate": _described(spec.trainer.learning_rate)})


def _resolver(cluster: ClusterTarget | None) -> Node:
    """The Evaluator's baseline. Locally: the model being served, after a rollback the rolled-back-to one (never
    the candidate: a cached Trainer's model is not compared with itself), else the latest blessed model; on
    Kubeflow TFX's own latest-blessed strategy, the only kind KFP v2 takes."""
    if cluster:
        return Node(RESOLVER_ID, Kind.RESOLVER, "Resolver (latest blessed model)", {}, ("model", "model_blessing"),
                    params={"strategy": "latest_blessed"}, cached=False)
    return Node(RESOLVER_ID, Kind.RESOLVER, "Resolver (the model being served, other than the candidate)",
                {"candidate": "Trainer.model"}, ("model", "model_blessing", "pushed_model"),
                params={"strategy": "served_other"}, cached=False)


def _served_model_resolver(cluster: ClusterTarget | None) -> Node:
    """The Trainer's base model for `trainer.warm_start`: the model being served (the last one pushed). On
    Kubeflow, whose V2 compiler takes TFX's own strategies only, the latest blessed model."""
    if cluster:
        return Node(SERVED_MODEL_RESOLVER_ID, Kind.RESOLVER, "Resolver (latest blessed model)", {},
                    ("model", "model_blessing"), params={"strategy": "latest_blessed"}, cached=False)
    return Node(SERVED_MODEL_RESOLVER_ID, Kind.RESOLVER, "Resolver (the model being served)", {},
                ("model", "pushed_model"), params={"strategy": "latest_pushed"}, cached=False)


def _evaluator(loaded: LoadedSpec, examples: Source) -> Node:
    spec = loaded.spec
    thresholds = spec.evaluation.thresholds
    metrics = [{"name": name, "class_name": METRICS[spec.model.task][name],
                "threshold": {**thresholds[name].model_dump(), "lower_is_better": name in LOWER_IS_BETTER}
                if name in thresholds else None}
               for name in spec.metric_names()]
    return Node("Evaluator", Kind.EVALUATOR, "Evaluator",
                {"examples": examples, "model": "Trainer.model", "baseline_model": f"{RESOLVER_ID}.model"},
                ("evaluation", "blessing"),
                params={"label_key": f"{spec.data.label}_xf", "metrics": metrics, "slices": spec.evaluation.slices},
                shown={"metrics": spec.metric_names(),
                       "thresholds": {k: v.model_dump(exclude_none=True) for k, v in thresholds.items()},
                       "slices": spec.evaluation.slices})


def _pusher(loaded: LoadedSpec, cluster: ClusterTarget | None) -> Node:
    spec = loaded.spec
    local = loaded.resolve(spec.push_destination())
    # No thresholds, no quality gate: TFX's Evaluator never blesses a model it has nothing to check against,
    # so the Pusher then takes no blessing and pushes every trained model (plan and run say so).
    gated = bool(spec.evaluation.thresholds)
    return Node("Pusher", Kind.PUSHER, "Pusher",
                {"model": "Trainer.model", "model_blessing": "Evaluator.blessing"} if gated
                else {"model": "Trainer.model"}, ("pushed_model",),
                params={"destination": cluster.push_destination if cluster else local},
                shown={"destination": local, **({} if gated else {
                    "gate": "none: no evaluation thresholds, every trained model is pushed"})})
