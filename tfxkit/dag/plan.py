"""The DAG a spec turns into, as plain data.

`plan_nodes` is the one place that decides which TFX components a spec gets and
how they are wired. `tfxkit plan` prints it without importing TFX, and
`tfxkit.dag.build` instantiates exactly these nodes, so what `plan` shows is
what runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from tfxkit.config.component_file import ComponentInfo, ComponentNotFound, code_hash, read_component
from tfxkit.config.did_you_mean import did_you_mean
from tfxkit.config.load import LoadedSpec
from tfxkit.config.node_ids import ALIASES, COMPONENT_IDS, RESOLVER_ID
from tfxkit.config.paths import data_files, guess_format

GATE_ID = "AnomaliesGate"
__all__ = ["RESOLVER_ID", "GATE_ID", "Node", "ClusterTarget", "plan_nodes", "data_format", "component_problems",
           "custom_components"]

# The artifact type of each standard output key (custom components' outputs come from their ComponentSpec).
OUTPUT_TYPES = {
    "examples": "Examples", "statistics": "ExampleStatistics", "schema": "Schema", "anomalies": "ExampleAnomalies",
    "transform_graph": "TransformGraph", "transformed_examples": "Examples", "best_hyperparameters": "HyperParameters",
    "tuner_results": "TunerResults", "model": "Model", "model_run": "ModelRun", "model_blessing": "ModelBlessing",
    "evaluation": "ModelEvaluation", "blessing": "ModelBlessing", "pushed_model": "PushedModel",
}
INFRA_BLESSING = "InfraBlessing"


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
    output_types: dict[str, str] = field(default_factory=dict)  # custom components only; else OUTPUT_TYPES

    def output_type(self, key: str) -> str:
        return self.output_types.get(key) or OUTPUT_TYPES.get(key, "Artifact")


def _describe(section) -> str:
    return " ".join(f"{k}={v}" for k, v in section.model_dump(exclude_none=True).items())


def data_format(loaded: LoadedSpec) -> str:
    """csv or tfrecord: declared, or guessed from the data files."""
    spec = loaded.spec
    return spec.data.format or guess_format(data_files(loaded.resolve(spec.data.path))) or "csv"


def plan_nodes(loaded: LoadedSpec) -> list[Node]:
    """The nodes of the pipeline, in a valid execution order.

    Custom components (`components:`) are wired as declared; a `before_push`
    one feeds the Pusher's infra_blessing (an InfraBlessing output) or makes
    it wait. A spec loaded through `tfxkit.commands.common.load` has had its
    wiring checked (`component_problems`); here a wiring error raises.
    """
    problems = component_problems(loaded)
    if problems:
        raise ValueError("; ".join(message for _, message, _ in problems))
    standard = _standard_nodes(loaded)
    return _with_custom(standard, custom_components(loaded), loaded)


def _standard_nodes(loaded: LoadedSpec) -> list[Node]:
    """The standard TFX nodes the spec gets, Pusher last."""
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
        drift = spec.validation.drift
        nodes.append(Node(GATE_ID, "AnomaliesGate (tfxkit)", {"anomalies": "ExampleValidator.anomalies",
                                                               "statistics": "StatisticsGen.statistics"},
                          params={"drift": "off" if drift.enabled is False else (
                              f"against the served model's data once one is served (Jensen-Shannon > "
                              f"{drift.jensen_shannon:g}, L-infinity > {drift.l_infinity:g}, missing share "
                              f"+{drift.missing_increase:g})")},
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
            {"model": "Trainer.model", "model_blessing": "Evaluator.blessing"} if spec.evaluation.thresholds
            else {"model": "Trainer.model"},
            ("pushed_model",),
            params={"destination": loaded.resolve(spec.push_destination()),
                    **({} if spec.evaluation.thresholds else {"gate": "none: no evaluation thresholds, "
                                                                      "every trained model is pushed"})},
            cached=cache,
        ),
    ]
    return nodes


def custom_components(loaded: LoadedSpec) -> list[tuple[Any, ComponentInfo]]:
    """(spec entry, what its component file says) for each custom component whose class resolves."""
    out, names = [], set()
    for entry in loaded.spec.components:
        if entry.name in names or entry.name in _RESERVED:
            continue  # reported by tfxkit.config.sections.components.check_components
        names.add(entry.name)
        try:
            out.append((entry, read_component(entry.class_, loaded.base_dir)))
        except (ComponentNotFound, SyntaxError, UnicodeDecodeError, OSError):
            continue  # reported by tfxkit.config.sections.components.check_components
    return out


_RESERVED = set(COMPONENT_IDS) | {RESOLVER_ID} | set(ALIASES)


def _actual(node: str, ids: set[str]) -> str:
    """An alias (ExampleGen, SchemaGen) as the id this spec's DAG uses for it."""
    return next((real for real in ALIASES.get(node, ()) if real in ids), node)


def _custom_node(entry: Any, info: ComponentInfo, ids: set[str], cache: bool) -> Node:
    inputs = {}
    for key, source in entry.inputs.items():
        node, _, output = source.partition(".")
        inputs[key] = f"{_actual(node, ids)}.{output}"
    shown = os.path.relpath(info.file, info.import_root)
    return Node(entry.name, f"{info.class_name} (custom, {shown})", inputs, tuple(info.outputs),
                params={**entry.parameters, "code": code_hash(info)[:16]}, cached=cache,
                output_types={k: p.type for k, p in info.outputs.items()})


def _with_custom(standard: list[Node], customs: list[tuple[Any, ComponentInfo]], loaded: LoadedSpec) -> list[Node]:
    """Standard nodes plus custom ones, the Pusher gated by the before_push ones, in execution order."""
    if not customs:
        return standard
    ids = {n.id for n in standard} | {entry.name for entry, _ in customs}
    added = [_custom_node(entry, info, ids, loaded.spec.pipeline.cache) for entry, info in customs]
    pusher = standard[-1]
    pusher_inputs, after = dict(pusher.inputs), list(pusher.after)
    for (entry, _), node in zip(customs, added):
        if not entry.before_push:
            continue
        blessing = next((k for k in node.outputs if node.output_type(k) == INFRA_BLESSING), None)
        if blessing and "infra_blessing" not in pusher_inputs:
            pusher_inputs["infra_blessing"] = f"{node.id}.{blessing}"
        else:
            after.append(node.id)
    gated = replace(pusher, inputs=pusher_inputs, after=tuple(after))
    return _execution_order(standard[:-1] + added + [gated])


def _dependencies(node: Node) -> set[str]:
    return {source.split(".", 1)[0] for source in node.inputs.values()} | set(node.after)


def _execution_order(nodes: list[Node]) -> list[Node]:
    """Stable topological order: each node as early as its dependencies allow, ties in the given order."""
    done: set[str] = set()
    ordered: list[Node] = []
    pending = list(nodes)
    while pending:
        ready = next(n for n in pending if _dependencies(n) <= done)  # acyclic: component_problems checked it
        ordered.append(ready)
        done.add(ready.id)
        pending.remove(ready)
    return ordered


def component_problems(loaded: LoadedSpec) -> list[tuple[tuple, str, bool]]:
    """The custom components' wiring against the planned DAG: each input names an existing upstream output of
    the type the input takes, no cycle (before_push counts as the Pusher reading the component), at most one
    InfraBlessing gate on the Pusher. (key path, message, at_key), as `tfxkit.config.problem.Problem`."""
    customs = custom_components(loaded)
    if not customs:
        return []
    standard = _standard_nodes(loaded)
    by_id: dict[str, tuple[tuple[str, ...], Any]] = {n.id: (n.outputs, n) for n in standard}
    ids = set(by_id) | {entry.name for entry, _ in customs}
    infos = {entry.name: info for entry, info in customs}
    index = {entry.name: i for i, entry in enumerate(loaded.spec.components)}
    problems: list[tuple[tuple, str, bool]] = []
    reads: dict[str, set[str]] = {}  # custom name -> the custom components and Pusher it reads from
    gate: str | None = None
    for entry, info in customs:
        where = ("components", index[entry.name])
        reads[entry.name] = set()
        for key, source in entry.inputs.items():
            node, dot, output = source.partition(".")
            if not dot or not node or not output or "." in output:
                continue  # not Node.output: reported by check_components
            real = _actual(node, ids)
            if real not in ids:
                hint = did_you_mean(node, sorted(ids | set(ALIASES)), f"nodes: {', '.join(n.id for n in standard)}")
                problems.append((where + ("inputs", key), f"no component '{node}' in this pipeline ({hint})", False))
                continue
            if real in infos:
                outputs = {k: p.type for k, p in infos[real].outputs.items()}
                reads[entry.name].add(real)
            else:
                outputs = {k: by_id[real][1].output_type(k) for k in by_id[real][0]}
                if real == "Pusher":
                    reads[entry.name].add(real)
            if output not in outputs:
                problems.append((where + ("inputs", key), f"{real} has no output '{output}' (outputs: "
                                 f"{', '.join(outputs) or 'none'})", False))
                continue
            wanted = info.inputs.get(key)
            if wanted is not None and wanted.type != outputs[output] and wanted.type != "Artifact":
                problems.append((where + ("inputs", key), f"{real}.{output} is a {outputs[output]}; input '{key}' "
                                 f"of {info.class_name} takes a {wanted.type}", False))
        if entry.before_push and any(p.type == INFRA_BLESSING for p in info.outputs.values()):
            if gate is not None:
                problems.append((where + ("before_push",), f"the Pusher takes one infra_blessing and {gate} gives it "
                                 "already (expected before_push on one InfraBlessing component; the Pusher waits for "
                                 "others without one)", False))
            gate = gate or entry.name
    pusher_reads = {entry.name for entry, _ in customs if entry.before_push}
    problems += _cycles(reads, pusher_reads, index)
    return problems


def _cycles(reads: dict[str, set[str]], pusher_reads: set[str], index: dict[str, int]) -> list[tuple]:
    """One problem per cycle among custom components and the Pusher (which reads the before_push ones)."""
    graph = {**{k: set(v) for k, v in reads.items()}, "Pusher": set(pusher_reads)}
    found: list[tuple] = []
    reported: set[frozenset] = set()
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for upstream in sorted(graph.get(name, ())):
            if state.get(upstream) == 1:
                cycle = path[path.index(upstream):] + [upstream] if upstream in path else [name, upstream]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    first = next(n for n in cycle if n in index)
                    shown = " -> ".join(reversed(cycle))
                    why = " (before_push: true makes the Pusher wait for a component that reads Pusher output)" \
                        if "Pusher" in members else ""
                    found.append((("components", index[first], "inputs"), f"cycle: {shown}{why} (expected each "
                                  "component to read only outputs of components that run before it)", True))
            elif state.get(upstream) is None:
                visit(upstream, path + [upstream])
        state[name] = 2

    for name in sorted(graph):
        if state.get(name) is None:
            visit(name, [name])
    return found


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
