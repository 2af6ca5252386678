"""`tfxkit compile FILE --target kubeflow|vertex -o pipeline.json`: the same DAG as a KFP v2 pipeline.

Refusals (a local path the cluster cannot read, no image, bad resources, a
module file the image would not carry) are one located line each, exit 2,
and nothing is written. TFX is imported only after the spec passed them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from tfxkit.commands.common import EXIT_OK, EXIT_RUN_FAILED, CommandError, add_overrides, exit_on_spec_errors, load


def add_cluster_flags(parser: argparse.ArgumentParser) -> None:
    """--image and --pipeline-root: override the kubeflow section (shared by compile, deploy, plan)."""
    parser.add_argument("--image", help="container image (overrides kubeflow.image)")
    parser.add_argument("--pipeline-root", help="remote pipeline root (overrides kubeflow.pipeline_root)")


def cluster_overrides(args: argparse.Namespace) -> None:
    """Turn --image/--pipeline-root into --set overrides, so errors stay located in the spec."""
    sets = list(getattr(args, "set", None) or [])
    if getattr(args, "image", None):
        sets.append(f"kubeflow.image={args.image}")
    if getattr(args, "pipeline_root", None):
        sets.append(f"kubeflow.pipeline_root={args.pipeline_root}")
    args.set = sets


def load_target(args: argparse.Namespace, workdir: str | None = None, local_root: str | None = None):
    """The loaded spec and its cluster target, or exit 2 with every refusal on its own line."""
    from tfxkit.config.errors import SpecErrors
    from tfxkit.deploy.target import resolve_target

    cluster_overrides(args)
    loaded = load(args.file, args)
    try:
        target = resolve_target(loaded, workdir=workdir, local_root=local_root,
                                warn=lambda m: print(f"tfxkit: warning: {m}", file=sys.stderr))
    except SpecErrors as errors:
        exit_on_spec_errors(errors, f"compiling {args.file} for Kubeflow")
    return loaded, target


def run(args: argparse.Namespace) -> int:
    if args.smoke_run:
        return _smoke(args)
    if not args.output:
        raise CommandError("compile: -o FILE is required (e.g. -o pipeline.json)")
    if args.target == "vertex" and not args.output.endswith(".json"):
        raise CommandError(f"{args.output}: a Vertex PipelineJob is JSON (expected -o FILE.json)")
    loaded, target = load_target(args)
    kubeflow = loaded.spec.kubeflow
    if (kubeflow.secrets or kubeflow.mounts) and not args.output.endswith((".yaml", ".yml")):
        raise CommandError(f"{args.output}: secrets and mounts need kfp-kubernetes' platform spec, a second YAML "
                           "document (expected -o FILE.yaml; Vertex has no such section)")
    from tfxkit.deploy.compile import compile_job, render
    from tfxkit.deploy.files import write_atomically
    from tfxkit.deploy.smoke import split_tasks

    started = time.monotonic()
    job = compile_job(loaded, target)
    write_atomically(args.output, render(loaded, job, args.target, args.output))
    tasks = sum(map(len, split_tasks(job["pipelineSpec"])))  # the pipeline's, and its exit task (notify)
    print(f"compiled {target.name} for {args.target}: {tasks} tasks, image {target.image}, "
          f"root {target.pipeline_root} -> {args.output} ({time.monotonic() - started:.0f} s)")
    return EXIT_OK


def _smoke(args: argparse.Namespace) -> int:
    """Compile with a local stand-in root and the project as the image's workdir, then run every task."""
    from tfxkit.deploy.target import project_root

    out = os.path.abspath(args.smoke_run)
    cluster_overrides(args)
    first = load(args.file, args)
    loaded, target = load_target(args, workdir=str(project_root(first)), local_root=os.path.join(out, "root"))
    from tfxkit.deploy.compile import compile_job, render
    from tfxkit.deploy.files import write_atomically
    from tfxkit.deploy.smoke import SmokeRunError, smoke_run

    job = compile_job(loaded, target)
    spec_path = os.path.join(out, "pipeline.json")
    write_atomically(spec_path, render(loaded, job, "kubeflow", spec_path))
    try:
        result = smoke_run(job, out, log=print)
    except SmokeRunError as error:
        raise CommandError(str(error), EXIT_RUN_FAILED) from None
    print(f"smoke run ok: {len(result.tasks)} tasks, pushed {result.pushed or 'nothing'} "
          f"({result.seconds:.0f} s); logs in {os.path.join(out, 'logs')}")
    return EXIT_OK if result.pushed else EXIT_RUN_FAILED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compile", help="compile the pipeline for Kubeflow Pipelines (KFP v2) or Vertex AI")
    p.add_argument("file")
    p.add_argument("--target", choices=("kubeflow", "vertex"), default="kubeflow")
    p.add_argument("-o", "--output", help="the compiled file (.json, or .yaml for secrets and mounts)")
    p.add_argument("--smoke-run", metavar="DIR", help="compile, then run every compiled task here as a "
                   "subprocess (KFP's launcher stand-in), with DIR as the pipeline root")
    add_cluster_flags(p)
    add_overrides(p)
    p.set_defaults(func=run)
