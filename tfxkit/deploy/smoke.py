"""Run a compiled KFP v2 pipeline here, task by task, the way KFP's launcher would.

Each container task runs as a subprocess with the exact command and arguments
from the compiled spec (TFX's kubeflow_v2_run_executor via tfxkit.deploy.entrypoint, the ExampleGen
driver as its pre-cache-check hook first), with the `{{$}}` placeholder filled
by an ExecutorInput built like the launcher builds it: input artifacts from the
upstream tasks' ExecutorOutput, output URIs under the pipeline root (a local
stand-in for the bucket), parameters from the task's constants. Resolver tasks
are answered from the artifacts of earlier smoke runs in the same folder,
evaluating the compiled MLMD filter. An artifact's metadata is the driver's
(ExampleGen's span, version, fingerprint: what the pre-cache-check hook
resolved) updated by the executor's own output, which alone would not carry it.
Exit tasks (the spec's `notify` section) run last, after a failed task too,
with the final status the smoke run computed, as KFP passes it: SUCCEEDED,
FAILED with the failed task's error, or CANCELLED on Ctrl-C.

Not covered: the image itself (this project's Python stands in for it), the
cluster's scheduler, pod resources, secrets and mounts, KFP's cache and its
metadata store.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

REGISTRY = "artifacts.json"  # what earlier smoke runs produced: the stand-in for KFP's MLMD
EXIT_TRIGGER = "ALL_UPSTREAM_TASKS_COMPLETED"  # an exit task's trigger policy: it runs whatever happened
DAG_TASK = "tfx-dag"  # the root task TFX's V2 compiler puts the pipeline under when it has an exit handler


class SmokeRunError(Exception):
    """A task failed; the message names it and its log."""


@dataclass
class SmokeResult:
    run_id: str
    seconds: float
    tasks: dict[str, float] = field(default_factory=dict)  # task -> seconds
    outputs: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # task -> key -> artifacts
    pushed: str | None = None


def topological_order(tasks: dict[str, Any]) -> list[str]:
    """Task names so that every task comes after the tasks it depends on (ties by name: deterministic)."""
    deps = {name: set(task.get("dependentTasks", [])) | {
        a["taskOutputArtifact"]["producerTask"]
        for a in task.get("inputs", {}).get("artifacts", {}).values() if "taskOutputArtifact" in a
    } for name, task in tasks.items()}
    order: list[str] = []
    while len(order) < len(deps):
        ready = sorted(n for n, d in deps.items() if n not in order and d <= set(order))
        if not ready:
            raise SmokeRunError(f"the compiled DAG has a cycle among {sorted(set(deps) - set(order))}")
        order.append(ready[0])
    return order


def _schema_title(artifact_type: dict) -> str:
    if "schemaTitle" in artifact_type:
        return artifact_type["schemaTitle"]
    match = re.search(r"^title:\s*(\S+)", artifact_type.get("instanceSchema", ""), re.MULTILINE)
    return match.group(1) if match else "tfx.Artifact"


def _fill(value: Any, executor_input: str) -> Any:
    return value.replace("{{$}}", executor_input) if isinstance(value, str) else value


def _command(argv: list[str]) -> list[str]:
    """The image's `python` is this environment's interpreter (the smoke run stands in for the image)."""
    return [sys.executable if i == 0 and arg in ("python", "python3") else arg for i, arg in enumerate(argv)]


def split_tasks(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the pipeline's tasks, its exit tasks). With an exit handler, TFX's V2 compiler puts the pipeline under
    one root task whose component is a DAG (`tfx-dag`) and the exit task beside it, triggered whatever happened
    (ALL_UPSTREAM_TASKS_COMPLETED); without one, the root's tasks are the pipeline's."""
    tasks: dict[str, Any] = {}
    exits: dict[str, Any] = {}
    for name, task in spec["root"]["dag"]["tasks"].items():
        component = spec["components"].get(task["componentRef"]["name"], {})
        if "dag" in component:
            tasks.update(component["dag"]["tasks"])
        elif task.get("triggerPolicy", {}).get("strategy") == EXIT_TRIGGER:
            exits[name] = task
        else:
            tasks[name] = task
    return tasks, exits


def final_status(state: str, run_id: str, message: str = "") -> dict[str, Any]:
    """KFP's PipelineTaskFinalStatus of the pipeline's DAG, as the exit task receives it (JSON field names)."""
    return {"state": state, "pipelineJobName": run_id, "pipelineTaskName": DAG_TASK,
            **({"error": {"message": message}} if message else {})}


def smoke_run(job: dict[str, Any], out_dir: str, log: Callable[[str], None] = print,
              cwd: str | None = None, env: dict[str, str] | None = None) -> SmokeResult:
    """Execute every task of a compiled PipelineJob under `out_dir`; stop at the first failed task. The exit
    tasks (the spec's notify section) run last, as KFP runs them: after a failure too, with the final status."""
    spec = job["pipelineSpec"]
    tasks, exits = split_tasks(spec)
    registry_path = os.path.join(out_dir, REGISTRY)
    registry: list[dict] = json.load(open(registry_path)) if os.path.exists(registry_path) else []
    run_id = time.strftime("smoke-%Y%m%d-%H%M%S")
    os.makedirs(os.path.join(out_dir, "logs", run_id), exist_ok=True)
    result = SmokeResult(run_id=run_id, seconds=0.0)
    run = _TaskRunner(spec, job["runtimeConfig"]["gcsOutputDirectory"], out_dir, run_id, result, registry, log,
                      cwd, env)
    started = time.monotonic()
    try:
        for name in topological_order(tasks):
            run(name, tasks[name])
    except SmokeRunError as error:
        _run_exits(run, exits, final_status("FAILED", run_id, str(error)), log)
        raise
    except KeyboardInterrupt:
        _run_exits(run, exits, final_status("CANCELLED", run_id, "stopped by Ctrl-C"), log)
        raise
    _run_exits(run, exits, final_status("SUCCEEDED", run_id), log, fail=True)

    with open(registry_path + ".tmp", "w") as fh:
        json.dump(registry, fh, indent=1, sort_keys=True)
    os.replace(registry_path + ".tmp", registry_path)
    for artifacts in result.outputs.get("Pusher", {}).values():
        for artifact in artifacts:
            if artifact["metadata"].get("pushed") in (1, 1.0, True):
                result.pushed = artifact["metadata"].get("pushed_destination")
    result.seconds = time.monotonic() - started
    return result


def _run_exits(run: "_TaskRunner", exits: dict[str, Any], status: dict[str, Any], log: Callable[[str], None],
               fail: bool = False) -> None:
    """Each exit task with `status`. A failed exit task fails a run that succeeded (`fail`), as on KFP; after a
    failed run it is one more log line, and the run's own error is the one reported."""
    for name in sorted(exits):
        try:
            run(name, exits[name], status)
        except SmokeRunError as error:
            if fail:
                raise
            log(f"  {name}: {error}")


@dataclass
class _TaskRunner:
    """Runs one task of the compiled spec the way KFP's launcher would, recording its outputs in `result`."""

    spec: dict[str, Any]
    root: str
    out_dir: str
    run_id: str
    result: SmokeResult
    registry: list[dict]
    log: Callable[[str], None]
    cwd: str | None
    env: dict[str, str] | None

    def __call__(self, name: str, task: dict, status: dict[str, Any] | None = None) -> None:
        spec, result, pipeline = self.spec, self.result, self.spec["pipelineInfo"]["name"]
        component = spec["components"][task["componentRef"]["name"]]
        executor = spec["deploymentSpec"]["executors"][component["executorLabel"]]
        inputs = {key: result.outputs.get(ref["taskOutputArtifact"]["producerTask"], {}).get(
                      ref["taskOutputArtifact"]["outputArtifactKey"], [])
                  for key, ref in task.get("inputs", {}).get("artifacts", {}).items()}
        t0 = time.monotonic()
        if "resolver" in executor:
            result.outputs[name] = _resolve(executor["resolver"], inputs, self.registry)
            found = {k: len(v) for k, v in result.outputs[name].items()}
            self.log(f"  {name}: resolver -> {found}")
            return
        task_dir = os.path.join(self.root, pipeline, self.run_id, name)
        outputs = {
            key: [{"name": f"{pipeline}/{self.run_id}/{name}/{key}", "type": definition["artifactType"],
                   "uri": os.path.join(task_dir, key), "metadata": {}}]
            for key, definition in component.get("outputDefinitions", {}).get("artifacts", {}).items()
        }
        executor_input = {
            "inputs": {
                "artifacts": {k: {"artifacts": v} for k, v in inputs.items() if v},
                **_parameters(task, status),
            },
            "outputs": {"artifacts": {k: {"artifacts": v} for k, v in outputs.items()},
                        "outputFile": os.path.join(task_dir, "executor_output.json")},
        }
        container = executor["container"]
        child_env = {**os.environ, **(self.env or {}), **{e["name"]: e["value"] for e in container.get("env", [])}}
        log_prefix = os.path.join(self.out_dir, "logs", self.run_id, name)
        driven = _run_steps(name, container, executor_input, log_prefix, self.cwd, child_env)
        produced = _executor_output(executor_input["outputs"]["outputFile"])
        for key, artifacts in outputs.items():
            back = produced.get(key)
            if back:  # the executor's ExecutorOutput carries the final metadata (split names, blessed, pushed)
                for mine, theirs, before in zip(artifacts, back, driven.get(key) or [{}] * len(back)):
                    mine["metadata"] = {**before.get("metadata", {}), **theirs.get("metadata", {})}
                    mine["uri"] = theirs.get("uri", mine["uri"])
            for artifact in artifacts:
                self.registry.append({**artifact, "schema_title": _schema_title(artifact["type"]), "state": "LIVE"})
        result.outputs[name] = outputs
        result.tasks[name] = time.monotonic() - t0
        self.log(f"  {name}: ok ({result.tasks[name]:.0f} s)")


def _run_steps(name: str, container: dict, executor_input: dict, log_prefix: str, cwd: str | None,
               env: dict[str, str]) -> dict[str, list[dict]]:
    """The task's driver (pre-cache-check hook), if any, then its executor; what the driver resolved per output
    artifact (ExampleGen's span, version and fingerprint), which the executor's own output would not carry.

    As the launcher does, the parameters the driver resolved (the span's input_config, span, version) are the
    executor's parameters: TFX's entrypoint reads them back itself only in the 2.1 schema's map.
    """
    hook = container.get("lifecycle", {}).get("preCacheCheck")
    output_file = executor_input["outputs"]["outputFile"]
    driven: dict[str, list[dict]] = {}
    for step, part in ([("driver", hook)] if hook else []) + [("executor", container)]:
        text = json.dumps(executor_input, sort_keys=True)
        argv = _command(list(part.get("command", []))) + [_fill(a, text) for a in part.get("args", [])]
        log_path = f"{log_prefix}.{step}.log"
        with open(log_path, "w") as fh:
            code = subprocess.call(argv, stdout=fh, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        if code != 0:
            raise SmokeRunError(f"task {name} ({step}) failed with exit {code}: {_last_error(log_path)} "
                                f"(log: {log_path})")
        if step == "driver":
            driven = _executor_output(output_file)
            executor_input = {**executor_input, "inputs": _with_resolved(executor_input["inputs"], output_file)}
    return driven


def _with_resolved(inputs: dict, output_file: str) -> dict:
    """The task's inputs with the parameters a driver wrote (ExecutorOutput.parameter_values) in both maps."""
    with open(output_file) as fh:
        resolved = json.load(fh).get("parameterValues", {})
    old = dict(inputs.get("parameters", {}))
    for key, value in resolved.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            old[key] = {"intValue": str(int(value))} if float(value).is_integer() else {"doubleValue": value}
        elif isinstance(value, str):
            old[key] = {"stringValue": value}
    return {**inputs, **({"parameters": old} if old else {}),
            "parameterValues": {**inputs.get("parameterValues", {}), **resolved}}


def _parameters(task: dict, status: dict[str, Any] | None = None) -> dict[str, Any]:
    """Task constants as ExecutorInput parameters: `parameters` (schema 2.0) or `parameterValues` (2.1). The
    final status of an exit task goes in both: a JSON string (what Vertex passes) and a struct (2.1's form)."""
    old, new = {}, {}
    for key, value in task.get("inputs", {}).get("parameters", {}).items():
        runtime = value.get("runtimeValue", {})
        if "constantValue" in runtime:
            old[key] = runtime["constantValue"]
        elif "constant" in runtime:
            new[key] = runtime["constant"]
        elif "taskFinalStatus" in value and status is not None:
            old[key], new[key] = {"stringValue": json.dumps(status, sort_keys=True)}, status
    return {**({"parameters": old} if old else {}), **({"parameterValues": new} if new else {})}


def _executor_output(path: str) -> dict[str, list[dict]]:
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        data = json.load(fh)
    return {key: value.get("artifacts", []) for key, value in data.get("artifacts", {}).items()}


_CLAUSE = re.compile(r'^\s*([\w.]+)\s*=\s*(.+?)\s*$')
_PLACEHOLDER = re.compile(r"\{\{\$\.inputs\.artifacts\['(\w+)'\]\.metadata\['(\w+)'\]\}\}")


def _resolve(resolver: dict, inputs: dict[str, list[dict]], registry: list[dict]) -> dict[str, list[dict]]:
    """Answer each output's MLMD filter with the newest matching artifact, like KFP's resolver."""
    out: dict[str, list[dict]] = {}
    for key, query in resolver.get("outputArtifactQueries", {}).items():
        text = query["filter"]
        missing = False

        def placeholder(match: re.Match) -> str:
            nonlocal missing
            found = inputs.get(match.group(1)) or [{}]
            value = found[0].get("metadata", {}).get(match.group(2))
            missing = missing or value is None
            return str(value)

        text = _PLACEHOLDER.sub(placeholder, text)
        if missing:
            out[key] = []
            continue
        clauses = [_CLAUSE.match(c).groups() for c in text.split(" AND ")]
        matches = [a for a in registry if all(_matches(a, k, v) for k, v in clauses)]
        out[key] = [{k: v for k, v in matches[-1].items() if k not in ("schema_title", "state")}] if matches else []
    return out


def _matches(artifact: dict, key: str, value: str) -> bool:
    value = value.strip('"')
    if key == "schema_title":
        return artifact["schema_title"] == value
    if key == "state":
        return artifact["state"] == value
    if key == "name":
        return artifact["name"] == value
    parts = key.split(".")
    if parts[0] == "metadata" and len(parts) == 3:
        got = artifact["metadata"].get(parts[1])
        if parts[2] == "number_value":
            return got is not None and float(got) == float(value)
        return str(got) == value
    raise SmokeRunError(f"resolver filter clause {key}={value} is not understood by the smoke run")


def _last_error(path: str) -> str:
    lines = [line.strip() for line in open(path, errors="replace") if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or ["(no output)"])[-1][:300]
