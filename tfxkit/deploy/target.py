"""Decide where a spec runs on Kubeflow, and refuse what a cluster cannot read.

Pure Python (no TFX import), so `tfxkit plan --target kubeflow` and every
refusal answer in about a second and before anything is compiled or uploaded.
Refusals are spec errors pinned to the key that causes them.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from tfxkit.config.errors import SpecError, SpecErrors, dotted
from tfxkit.config.load import LoadedSpec
from tfxkit.config.paths import PKG_SCHEME, split_input
from tfxkit.config.sections.kubeflow import cpu_count, memory_gb
from tfxkit.config.spans import has_span_spec, placeholders
from tfxkit.dag.example_gens import ClusterSpans, cluster_spans, component_of, selected_spans
from tfxkit.dag.plan import ClusterTarget, plan_nodes
from tfxkit.deploy.notify_notes import notify_notes

REMOTE_SCHEMES = ("gs://", "s3://", "minio://")
BAKED = "baked"
KFP_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")  # TFX's V2 compiler rejects any other pipeline name
# The image's virtual environment (see `tfxkit.deploy.image`): pkg:// data resolves inside it.
IMAGE_SITE_PACKAGES = "/opt/venv/lib/python3.11/site-packages"


def project_root(loaded: LoadedSpec) -> Path:
    """The folder the image carries as its workdir: the nearest ancestor of the spec file holding a
    pyproject.toml or .git, else the spec's own folder. Baked files must live under it."""
    for folder in [loaded.base_dir, *loaded.base_dir.parents]:
        if (folder / "pyproject.toml").exists() or (folder / ".git").exists():
            return folder
    return loaded.base_dir


def _mounted(path: str, loaded: LoadedSpec) -> bool:
    kubeflow = loaded.spec.kubeflow
    return any(path == m.path or path.startswith(m.path.rstrip("/") + "/") for m in kubeflow.mounts)


def cluster_readable(path: str, loaded: LoadedSpec) -> bool:
    """A remote URI, or a path under a declared PVC mount."""
    return path.startswith(REMOTE_SCHEMES) or _mounted(path, loaded)


def resolve_target(loaded: LoadedSpec, workdir: str | None = None, local_root: str | None = None,
                   warn=None) -> ClusterTarget:
    """The cluster view of a spec, or SpecErrors with one located line per refusal.

    `workdir` replaces the image's project folder and `local_root` stands in for
    the remote pipeline root: the smoke run uses both to run the compiled tasks
    here, in this environment, in place of the image.
    """
    spec = loaded.spec
    problems: list[tuple[tuple, str, bool]] = []
    kubeflow = spec.kubeflow
    if kubeflow is None:
        raise _errors(loaded, [(("kubeflow",), "no kubeflow section (expected kubeflow: {image: ..., "
                                "pipeline_root: gs://...}, or --image and --pipeline-root)", True)])
    root_dir = project_root(loaded)
    workdir = workdir or kubeflow.workdir

    def in_image(local: str, key: tuple, what: str) -> str | None:
        """The path a project file has inside the image; a refusal when the image cannot carry it."""
        try:
            rel = Path(local).resolve().relative_to(root_dir)
        except ValueError:
            problems.append((key, f"{what} '{local}' is outside the project folder '{root_dir}', so the image "
                                  "cannot carry it (expected a file under the project, or a remote URI)", False))
            return None
        return os.path.join(workdir, str(rel))

    name = kubeflow.name or spec.pipeline.name.lower().replace("_", "-")
    if not KFP_NAME.fullmatch(name):
        key = ("kubeflow", "name") if kubeflow.name else ("pipeline", "name")
        problems.append((key, f"'{name}' is not a valid Kubeflow pipeline name (expected [a-z0-9][a-z0-9-]*, at "
                              "most 128 characters; set kubeflow.name)", False))
    if not kubeflow.image:
        problems.append((("kubeflow", "image"), "no container image (expected kubeflow.image or --image; "
                                                "build one with `tfxkit image`)", True))
    root = local_root or kubeflow.pipeline_root
    if not root:
        problems.append((("kubeflow", "pipeline_root"), "no pipeline root (expected kubeflow.pipeline_root or "
                                                        "--pipeline-root: gs://, s3://, minio:// or a mounted path)",
                         True))
    elif local_root is None and not cluster_readable(root, loaded):
        problems.append((("kubeflow", "pipeline_root"), f"'{root}' is a local path the cluster cannot write "
                         "(expected gs://, s3://, minio:// or a path under kubeflow.mounts)", False))

    if spec.pipeline.metadata and warn is not None:
        line, col = loaded.positions.of_value(("pipeline", "metadata"))
        warn(f"{_display(loaded)}:{line}:{col}: pipeline.metadata: ignored on Kubeflow (it brings its own "
             "metadata store)")
    for key, note in notify_notes(loaded) if warn is not None else ():
        line, col = loaded.positions.of_value(key)
        warn(f"{_display(loaded)}:{line}:{col}: {dotted(key)}: {note}")

    data_path = _data_path(loaded, problems, in_image)
    if cluster_spans(loaded) == ClusterSpans.TOO_MANY:
        problems.append((("data", "spans"), f"a window of {len(selected_spans(loaded).spans)} spans cannot "
                         "compile for Kubeflow: TFX's V2 compiler takes one channel per input, not the union of "
                         "the spans' Examples (expected latest, {last: 1} or {from: A, to: A})", False))
    schema_file = None
    if spec.schema_.file:
        schema_file = in_image(loaded.resolve(spec.schema_.file), ("schema", "file"), "schema")
    if spec.transform.module_file:
        problems.append((("transform", "module_file"), "a module file would not be importable in the image "
                         "(TFX builds it into a wheel at compile time; expected transform.features on Kubeflow)",
                         True))

    problems += _trainer_problems(loaded)
    push = _push_destination(loaded, problems, root, local_root)
    if problems:
        raise _errors(loaded, problems)
    target = ClusterTarget(
        name=name,
        image=kubeflow.image or "",
        pipeline_root=root or "",
        data_path=data_path,
        schema_file=schema_file,
        push_destination=push,
    )
    return replace(target, resources=resources_by_node(loaded, target))


def _trainer_problems(loaded: LoadedSpec) -> list[tuple[tuple, str, bool]]:
    """multi_worker starts its workers on the Trainer's host; on Kubeflow that host is one pod."""
    trainer = loaded.spec.trainer
    if trainer.distribution != "multi_worker":
        return []
    return [(("trainer", "distribution"), f"multi_worker starts {trainer.workers} worker processes on the Trainer's "
             "host, and on Kubeflow the Trainer is one pod: no Kubeflow target tfxkit compiles for places worker "
             "pods (expected mirrored, or cpu_replicas on a many-core node; multi_worker runs with the local and "
             "Beam runners)", False)]


def _data_path(loaded: LoadedSpec, problems: list, in_image) -> str:
    """Where the cluster reads the data: baked into the image, kubeflow.data, or data.path when it can read it."""
    spec, kubeflow = loaded.spec, loaded.spec.kubeflow
    if kubeflow.data == BAKED:
        if spec.data.path.startswith(PKG_SCHEME):
            return os.path.join(IMAGE_SITE_PACKAGES, spec.data.path[len(PKG_SCHEME):])
        return in_image(loaded.resolve(spec.data.path), ("data", "path"), "data") or ""
    if kubeflow.data:
        if not cluster_readable(kubeflow.data, loaded):
            problems.append((("kubeflow", "data"), f"'{kubeflow.data}' is a local path the cluster cannot read "
                             "(expected a remote URI, a path under kubeflow.mounts, or 'baked')", False))
        return _cluster_span_pattern(loaded, problems)
    if cluster_readable(spec.data.path, loaded):
        return spec.data.path
    problems.append((("data", "path"), f"'{spec.data.path}' is a local path the cluster cannot read (expected "
                     "kubeflow.data: a remote URI, a path under kubeflow.mounts, or 'baked' to copy it into "
                     "the image)", False))
    return ""


def _cluster_span_pattern(loaded: LoadedSpec, problems: list) -> str:
    """kubeflow.data for a spans spec: the cluster's own pattern (the same placeholders as data.path), or the
    cluster's data root, under which data.path's pattern part is kept ('gs://b/taxi' + 'span-{SPAN}/*.csv').

    The window is applied to the spans of data.path when compiling (what `plan` shows); TFX's driver
    then reads each selected span, its newest version, from the cluster's path at run time.
    """
    declared, cluster = loaded.spec.data.path, loaded.spec.kubeflow.data or ""
    spans, cluster_spans = has_span_spec(declared), has_span_spec(cluster)
    if not spans and cluster_spans:
        problems.append((("kubeflow", "data"), f"'{cluster}' names spans but data.path '{declared}' does not "
                         "(expected {SPAN} or a date in both, or in neither)", False))
    elif spans and not cluster_spans:
        return f"{cluster.rstrip('/')}/{split_input(loaded.resolve(declared))[1]}"
    elif spans and placeholders(cluster) != placeholders(declared):
        problems.append((("kubeflow", "data"), f"'{cluster}' names spans with {', '.join(placeholders(cluster))} "
                         f"but data.path with {', '.join(placeholders(declared))} (expected the same placeholders, "
                         "or the cluster's data root alone, e.g. 'gs://bucket/data')", False))
    return cluster


def _push_destination(loaded: LoadedSpec, problems: list, root: str | None, local_root: str | None) -> str:
    """Where the cluster pushes: kubeflow.push_destination, the spec's own (`PushSection.pipeline_destination`:
    push.destination or the first of push.destinations), or serving under the root."""
    spec = loaded.spec
    push = spec.kubeflow.push_destination
    declared = spec.push.pipeline_destination()  # push.destination or the first of push.destinations
    if push is None and declared and not cluster_readable(declared, loaded):
        key = ("push", "destinations", next(iter(spec.push.destinations))) if spec.push.destinations else \
            ("push", "destination")
        problems.append((key, f"'{declared}' is a local path the cluster cannot "
                         "write (expected kubeflow.push_destination: a remote URI or a mounted path)", False))
    elif push is not None and local_root is None and not cluster_readable(push, loaded):
        problems.append((("kubeflow", "push_destination"), f"'{push}' is a local path the cluster cannot write "
                         "(expected gs://, s3://, minio:// or a path under kubeflow.mounts)", False))
    push = push or declared or (f"{root.rstrip('/')}/serving" if root else "")
    if local_root is not None and not cluster_readable(push, loaded):
        push = os.path.join(local_root, "serving")
    return push


def resources_by_node(loaded: LoadedSpec, cluster: ClusterTarget) -> dict[str, dict]:
    """Each compiled node's resources: the default section, overridden key by key by the component's own (a span's
    ExampleGen takes its ExampleGen's: `kubeflow.components.CsvExampleGen`)."""
    kubeflow = loaded.spec.kubeflow
    out: dict[str, dict] = {}
    for node in plan_nodes(loaded, cluster):
        merged = kubeflow.resources.model_dump(exclude_none=True, exclude_defaults=True)
        own = kubeflow.components.get(node.id) or kubeflow.components.get(component_of(node.id))
        merged.update((own or kubeflow.resources).model_dump(exclude_none=True, exclude_defaults=True))
        res: dict = {}
        if "cpu" in merged:
            res["cpu"] = cpu_count(merged["cpu"])
        if "memory" in merged:
            res["memory_gb"] = round(memory_gb(merged["memory"]), 6)
        if merged.get("gpu"):
            res["gpu"] = merged["gpu"]
            res["accelerator"] = merged["accelerator"]
        if res:
            out[node.id] = res
    return out


def _errors(loaded: LoadedSpec, problems: list[tuple[tuple, str, bool]]) -> SpecErrors:
    display = _display(loaded)
    pos = loaded.positions
    lines = loaded.file.read_text(encoding="utf-8").splitlines(keepends=True)
    errors = [SpecError(display, *(pos.of_key(p) if at_key else pos.of_value(p)), ".".join(map(str, p)), msg)
              for p, msg, at_key in problems]
    return SpecErrors(errors, lines)


def _display(loaded: LoadedSpec) -> str:
    """The spec file as the user would name it: relative to the current folder when under it."""
    rel = os.path.relpath(loaded.file)
    return str(loaded.file) if rel.startswith("..") else rel
