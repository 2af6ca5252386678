"""tfxkit's plan for the custom components of `components:`: their nodes, and their wiring checked.

A custom component's inputs name upstream outputs (`Trainer.model`, an alias
such as `ExampleGen.examples`, or another custom component's output); these
checks run at validate time against the standard nodes the plan gives the spec.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from tfxkit.config.component_file import ComponentInfo, ComponentNotFound, code_hash, read_component
from tfxkit.config.did_you_mean import did_you_mean
from tfxkit.config.load import LoadedSpec
from tfxkit.config.node_ids import ALIASES, COMPONENT_IDS
from tfxkit.config.sections.components import RUN_FACTS
from tfxkit.dag.nodes import INFRA_BLESSING, RESOLVER_ID, Kind, Node, execution_order


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
    """An alias (ExampleGen, SchemaGen) as the id this spec's DAG uses for it; with spans, an ExampleGen
    (`CsvExampleGen` or the alias) is the newest span's (`CsvExampleGen-span-3`)."""
    names = [node, *ALIASES.get(node, ())]
    found = next((real for real in names if real in ids), None)
    spans = sorted((int(i.rpartition("-span-")[2]), i) for i in ids
                   if i.partition("-span-")[0] in names and i.rpartition("-span-")[2].isdigit())
    return found or (spans[-1][1] if spans else node)


def custom_node(entry: Any, info: ComponentInfo, ids: set[str], cache: bool) -> Node:
    """The node of one custom component: its class by import path, its parameters as the class takes them."""
    inputs = {}
    for key, source in entry.inputs.items():
        node, _, output = source.partition(".")
        inputs[key] = f"{_actual(node, ids)}.{output}"
    digest = code_hash(info)
    parameters = {k: float(v) if info.parameters[k].kind == "float" and isinstance(v, int) else v
                  for k, v in entry.parameters.items()}
    return Node(entry.name, Kind.CUSTOM, f"{info.class_name} (custom, {os.path.relpath(info.file, info.import_root)})",
                inputs, tuple(info.outputs),
                params={"module": info.module, "class": info.class_name, "import_root": str(info.import_root),
                        "parameters": parameters, "code_hash": digest, "run_facts": RUN_FACTS in info.parameters},
                shown={**entry.parameters, "code": digest[:16]}, cached=cache,
                output_types={k: p.type for k, p in info.outputs.items()})


def with_custom(standard: list[Node], customs: list[tuple[Any, ComponentInfo]], cache: bool) -> list[Node]:
    """Standard nodes plus custom ones, the Pusher gated by the before_push ones, in execution order."""
    if not customs:
        return standard
    ids = {n.id for n in standard} | {entry.name for entry, _ in customs}
    added = [custom_node(entry, info, ids, cache) for entry, info in customs]
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
    return execution_order(standard[:-1] + added + [gated])


def wiring_problems(loaded: LoadedSpec, customs: list[tuple[Any, ComponentInfo]],
                    standard: list[Node]) -> list[tuple[tuple, str, bool]]:
    """The custom components' wiring against the standard nodes: each input names an existing upstream output of
    the type the input takes, no cycle (before_push counts as the Pusher reading the component), at most one
    InfraBlessing gate on the Pusher. (key path, message, at_key), as `tfxkit.config.problem.Problem`."""
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
