"""The `tfxkit` command: validate, plan, run, schema.

validate, plan and schema import nothing heavier than pydantic and PyYAML, so
they answer in well under a second; `run` loads TFX only when it starts.
Exit codes: 0 ok (for run: a model was pushed), 1 the run failed (a component
error or the data gate), 2 the spec is invalid, 3 the run finished but the
model was not blessed, so nothing was pushed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

import yaml

from tfxkit.spec.errors import SpecErrors
from tfxkit.spec.load import LoadedSpec, load_spec
from tfxkit.spec.metadata_url import parse_metadata_url

EXIT_OK, EXIT_RUN_FAILED, EXIT_SPEC, EXIT_NOT_BLESSED = 0, 1, 2, 3


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in getattr(args, "set", None) or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"tfxkit: --set {item!r}: expected KEY=VALUE")
        out[key] = yaml.safe_load(value)
    if getattr(args, "root", None):
        out["pipeline.root"] = os.path.abspath(args.root)
    return out


def _load(path: str, args: argparse.Namespace) -> LoadedSpec:
    try:
        return load_spec(path, _overrides(args))
    except SpecErrors as errors:
        print(errors.render(show_source=sys.stderr.isatty()), file=sys.stderr)
        count = len(errors.errors)
        print(f"tfxkit: {count} problem{'s' if count != 1 else ''} in {path}", file=sys.stderr)
        raise SystemExit(EXIT_SPEC) from None


def cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            loaded = _load(path, args)
        except SystemExit:
            status = EXIT_SPEC
            continue
        print(f"ok: {path} (pipeline '{loaded.spec.pipeline.name}', spec {loaded.spec_hash()})")
    return status


def cmd_plan(args: argparse.Namespace) -> int:
    from tfxkit.dag.plan import plan_nodes

    loaded = _load(args.file, args)
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


def cmd_schema(args: argparse.Namespace) -> int:
    from tfxkit.spec.json_schema import spec_json_schema

    text = json.dumps(spec_json_schema(), indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    loaded = _load(args.file, args)
    # MLMD's C++ logs connection errors to stderr itself; tfxkit reports them in one line.
    os.environ.setdefault("GLOG_minloglevel", "3")
    from tfxkit.runners.execute import run_spec

    try:
        report = run_spec(loaded, runner=args.runner, beam_args=args.beam_arg, verbose=args.verbose, force=args.force)
    except ConnectionError as exc:  # the metadata store cannot be reached: nothing ran
        print(f"tfxkit: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    if report.up_to_date_with:
        print(f"up to date: data, spec and code unchanged since run {report.up_to_date_with}; "
              "TFX not launched (--force runs it, its cache still applies)")
    else:
        print(f"run {report.run_id or '?'} finished in {report.seconds:.0f} s")
    for key, value in sorted(report.metrics.items()):
        print(f"  metric {key} = {value:.4f}")
    url = loaded.spec.pipeline.metadata
    where = parse_metadata_url(url).redacted() if url else os.path.join(loaded.resolve(loaded.spec.pipeline.root),
                                                                         "metadata.sqlite")
    print(f"  metadata {where}")
    if report.log_file:
        print(f"  log      {report.log_file}")
    if not report.ok:
        print(f"tfxkit: run failed in {report.failed_node or 'the pipeline'}: {report.error}", file=sys.stderr)
        print("tfxkit: nothing was pushed", file=sys.stderr)
        return EXIT_RUN_FAILED
    if report.pushed_to:
        note = "  (unchanged: pushed by an earlier run)" if report.pushed_earlier else ""
        print(f"  pushed   {report.pushed_to}{note}")
        return EXIT_OK
    print(f"tfxkit: not pushed: {report.not_pushed_reason}", file=sys.stderr)
    return EXIT_NOT_BLESSED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfxkit", description="Declarative TFX pipelines from one YAML file.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_overrides(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root", help="override pipeline.root (relative to the current directory)")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a spec value, e.g. --set trainer.epochs=5 (repeatable)")

    p = sub.add_parser("validate", help="check spec files (no TensorFlow import)")
    p.add_argument("files", nargs="+")
    with_overrides(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="show the DAG: components, inputs, outputs, caching")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    with_overrides(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("run", help="run the pipeline")
    p.add_argument("file")
    p.add_argument("--runner", choices=("local", "beam"), default="local")
    p.add_argument("--beam-arg", action="append", default=[], metavar="ARG", help="extra Beam pipeline option")
    p.add_argument("--verbose", "-v", action="store_true", help="show TFX's own log on the console")
    p.add_argument("--force", action="store_true",
                   help="launch TFX even when nothing changed since the last successful run")
    with_overrides(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("schema", help="print the JSON Schema of the spec")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_SPEC


if __name__ == "__main__":
    sys.exit(main())
