"""Compile a spec to a KFP v2 PipelineSpec with TFX's own KubeflowV2DagRunner.

The DAG comes from `tfxkit.dag.build` (the same builder the local runner uses),
so the compiled pipeline has the same components and parameters; only paths,
resources and the baseline resolver are the cluster's (see `tfxkit.dag.plan`).
Output is deterministic: keys sorted, no timestamps, so it can be reviewed.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from tfxkit.config.load import LoadedSpec
from tfxkit.dag.plan import ClusterTarget

# The container entrypoint of every task: TFX's V2 executor runner, by the image's Python, behind a
# one-step shim that selects tf_keras for KerasTuner first (see tfxkit.deploy.entrypoint).
IMAGE_COMMAND = ["python", "-m", "tfxkit.deploy.entrypoint"]


def compile_job(loaded: LoadedSpec, cluster: ClusterTarget) -> dict[str, Any]:
    """The PipelineJob dict (Vertex's wrapper around the PipelineSpec) for a spec."""
    from tfx.orchestration.kubeflow.v2.kubeflow_v2_dag_runner import (
        KubeflowV2DagRunner,
        KubeflowV2DagRunnerConfig,
    )

    from tfxkit.dag.build import build_pipeline

    pipeline = build_pipeline(loaded, cluster=cluster)
    config = KubeflowV2DagRunnerConfig(default_image=cluster.image, default_commands=list(IMAGE_COMMAND),
                                       display_name=cluster.name)
    with tempfile.TemporaryDirectory() as tmp:  # write_out=False: nothing is written there
        runner = KubeflowV2DagRunner(config=config, output_dir=tmp)
        if loaded.spec.notify is not None:
            runner.set_exit_handler(_exit_handler(loaded))
        job = runner.run(pipeline, write_out=False)
    _add_env(job["pipelineSpec"], loaded.spec.kubeflow.env)
    return job


def _exit_handler(loaded: LoadedSpec):
    """The notify section as KFP's exit-handler task: it runs after the pipeline's DAG whatever happened, with
    KFP's final status (tfxkit.components.notify_exit). Its container gets the env and secrets of every task."""
    from tfxkit.components.notify_exit.component import NotifyOnExit

    return NotifyOnExit(notify=loaded.spec.notify.model_dump_json(exclude_none=True), pipeline=loaded.spec.pipeline.name)


def _add_env(pipeline_spec: dict[str, Any], env: dict[str, str]) -> None:
    """Plain environment variables on every container (PipelineContainerSpec.env)."""
    if not env:
        return
    for executor in pipeline_spec["deploymentSpec"]["executors"].values():
        if "container" in executor:
            executor["container"]["env"] = [{"name": k, "value": v} for k, v in sorted(env.items())]


def platform_spec(loaded: LoadedSpec, pipeline_spec: dict[str, Any]) -> dict[str, Any] | None:
    """kfp-kubernetes' platform spec: secrets as environment variables and PVC mounts, by name only."""
    kubeflow = loaded.spec.kubeflow
    if not kubeflow.secrets and not kubeflow.mounts:
        return None
    config: dict[str, Any] = {}
    if kubeflow.secrets:
        by_secret: dict[str, list] = {}
        for var, ref in sorted(kubeflow.secrets.items()):
            name, _, key = ref.partition("/")
            by_secret.setdefault(name, []).append({"secretKey": key, "envVar": var})
        config["secretAsEnv"] = [{"secretName": n, "keyToEnv": k} for n, k in sorted(by_secret.items())]
    if kubeflow.mounts:
        config["pvcMount"] = [{"constant": m.pvc, "mountPath": m.path} for m in kubeflow.mounts]
    executors = {name: config for name, ex in sorted(pipeline_spec["deploymentSpec"]["executors"].items())
                 if "container" in ex}
    return {"platforms": {"kubernetes": {"deploymentSpec": {"executors": executors}}}}


def render(loaded: LoadedSpec, job: dict[str, Any], target: str, output: str) -> str:
    """The file's text: the PipelineSpec for kubeflow (plus the platform spec as a second YAML
    document when secrets or mounts are declared), the whole PipelineJob for vertex."""
    import yaml

    platform = platform_spec(loaded, job["pipelineSpec"])
    if target == "vertex":
        return json.dumps(job, indent=2, sort_keys=True) + "\n"
    spec = job["pipelineSpec"]
    if output.endswith((".yaml", ".yml")):
        docs = [spec] + ([platform] if platform else [])
        return yaml.safe_dump_all(docs, sort_keys=True, width=120)
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"
