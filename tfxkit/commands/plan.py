"""`tfxkit plan FILE`: the DAG a spec turns into, without importing TFX."""

from __future__ import annotations

import argparse
import json

from tfxkit.commands.common import EXIT_OK, add_overrides, load


def run(args: argparse.Namespace) -> int:
    from tfxkit.dag.plan import plan_nodes

    loaded = load(args.file, args)
    nodes = plan_nodes(loaded)
    if args.json:
        print(json.dumps([{**n.__dict__, "outputs": list(n.outputs), "after": list(n.after)} for n in nodes],
                         indent=2, default=str))
        return EXIT_OK
    spec = loaded.spec
    print(f"pipeline {spec.pipeline.name}  root {loaded.resolve(spec.pipeline.root)}  "
          f"cache {'on' if spec.pipeline.cache else 'off'}")
    for i, node in enumerate(nodes, 1):
        cache = "cacheable" if node.cached else "always runs"
        print(f"{i:2}. {node.id}  [{node.component}]  ({cache})")
        for key, source in node.inputs.items():
            print(f"      in   {key:<16} <- {source}")
        for after in node.after:
            print(f"      after {after}")
        for key in node.outputs:
            print(f"      out  {key}")
        for key, value in node.params.items():
            print(f"      with {key} = {value}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="show the DAG: components, inputs, outputs, caching")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_overrides(p)
    p.set_defaults(func=run)
