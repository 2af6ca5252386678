"""`tfxkit plan FILE`: the DAG a spec turns into, without importing TFX."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from tfxkit.commands.common import EXIT_OK, add_overrides, load

if TYPE_CHECKING:
    from tfxkit.dag.nodes import Node


def run(args: argparse.Namespace) -> int:
    from tfxkit.dag.nodes import sources
    from tfxkit.dag.plan import plan_nodes
    from tfxkit.lineage.shown import shown

    if args.target == "kubeflow":
        return _kubeflow(args)
    loaded = load(args.file, args)
    nodes = plan_nodes(loaded)
    if args.json:
        print(json.dumps([_as_json(n) for n in nodes], indent=2, default=str))
        return EXIT_OK
    spec = loaded.spec
    print(f"pipeline {spec.pipeline.name}  root {loaded.resolve(spec.pipeline.root)}  "
          f"cache {'on' if spec.pipeline.cache else 'off'}")
    for i, node in enumerate(nodes, 1):
        cache = "cacheable" if node.cached else "always runs"
        print(f"{i:2}. {node.id}  [{node.component}]  ({cache})")
        for key, source in node.inputs.items():
            print(f"      in   {key:<16} <- {' + '.join(sources(source))}")
        for after in node.after:
            print(f"      after {after}")
        for key in node.outputs:
            print(f"      out  {key}")
        for key, value in node.shown.items():
            print(f"      with {key} = {shown(value)}")
    return EXIT_OK


def _as_json(node: Node) -> dict:
    """A node for machines: wiring, caching and the parameters as `plan` shows them."""
    return {"id": node.id, "component": node.component, "inputs": node.inputs, "outputs": list(node.outputs),
            "after": list(node.after), "params": node.shown, "cached": node.cached, "output_types": node.output_types}


def _kubeflow(args: argparse.Namespace) -> int:
    """What will run where on Kubeflow: image, root, paths and each task's resources (no TFX import)."""
    from dataclasses import asdict

    from tfxkit.commands.compile import load_target
    from tfxkit.dag.plan import plan_nodes

    loaded, target = load_target(args)
    nodes = plan_nodes(loaded, target)  # the compiled nodes (a span's ExampleGen is the cluster's)
    if args.json:
        print(json.dumps({"target": asdict(target), "nodes": [n.id for n in nodes]}, indent=2))
        return EXIT_OK
    print(f"pipeline {loaded.spec.pipeline.name} on Kubeflow  image {target.image}  root {target.pipeline_root}")
    print(f"  data {target.data_path}  schema {target.schema_file or '(inferred)'}  push {target.push_destination}")
    for i, node in enumerate(nodes, 1):
        res = target.resources.get(node.id, {})
        where = "resolver (KFP metadata query)" if node.id.endswith("resolver") else target.image
        shown = " ".join(f"{k}={v}" for k, v in res.items()) or "cluster defaults"
        print(f"{i:2}. {node.id:<32} {where}  [{shown}]")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="show the DAG: components, inputs, outputs, caching")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--target", choices=("local", "kubeflow"), default="local",
                   help="kubeflow: what will run where (image, resources)")
    from tfxkit.commands.compile import add_cluster_flags

    add_cluster_flags(p)
    add_overrides(p)
    p.set_defaults(func=run)
