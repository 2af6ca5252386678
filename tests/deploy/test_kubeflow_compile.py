"""The compiled Kubeflow pipeline is the local DAG: same nodes, edges, executors and parameters.

Every pipeline in pipelines/ is compiled in-process with TFX's KubeflowV2DagRunner,
parsed into kfp's PipelineSpec proto, and checked against `tfxkit plan --json`
of the same spec and against the locally built TFX pipeline. Importing TFX
costs about 45 s once for this module; each compile after that is quick.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.config.load import load_spec
from tfxkit.dag.nodes import RESOLVER_ID
from tfxkit.deploy.target import resolve_target

PIPELINES = sorted((REPO_ROOT / "pipelines").glob("*.yaml"))
GOLDEN = REPO_ROOT / "tests/golden/penguin.kubeflow.json"
GOLDEN_NOTIFY = REPO_ROOT / "tests/golden/penguin-notify.kubeflow.json"
CLUSTER = {"image": "registry.example.com/ml/tfxkit:1.0", "pipeline_root": "gs://tfxkit-test/root", "data": "baked",
           "components": {"Trainer": {"cpu": 4, "memory": "8Gi"}}}
RESOLVER_TASKS = {f"{RESOLVER_ID}-model-blessing-resolver", f"{RESOLVER_ID}-model-resolver"}
# The one wiring that differs by design: locally the resolver takes the candidate model (to skip it);
# TFX's V2 compiler only has LatestBlessedModelStrategy, which takes no inputs (docs/kubeflow.md).
LOCAL_ONLY_EDGES = {("Trainer", RESOLVER_ID)}
NOTIFY = {"when": ["failed", "succeeded"], "timeout": 5,
          "targets": [{"webhook_env": "ALERTS_URL", "headers_env": {"Authorization": "ALERTS_TOKEN"}},
                      {"command": ["/usr/local/bin/page-oncall", "--team", "ml"]}]}
# The section as the exit task receives it: every key but the unset ones (None), defaults included.
NOTIFY_AS_SENT = {"when": ["failed", "succeeded"], "timeout": 5.0,
                  "targets": [{"webhook_env": "ALERTS_URL", "headers_env": {"Authorization": "ALERTS_TOKEN"}},
                              {"headers_env": {}, "command": ["/usr/local/bin/page-oncall", "--team", "ml"]}]}


def load(path: Path):
    return load_spec(path, {"kubeflow": dict(CLUSTER)})


@pytest.fixture(scope="module")
def compiled():
    from tfxkit.deploy.compile import compile_job

    out = {}
    for path in PIPELINES:
        loaded = load(path)
        out[path.stem] = (loaded, compile_job(loaded, resolve_target(loaded)))
    return out


def node_of(task: str) -> str:
    return RESOLVER_ID if task in RESOLVER_TASKS else task


def params(task: dict) -> dict:
    out = {}
    for key, value in task.get("inputs", {}).get("parameters", {}).items():
        const = value["runtimeValue"]["constantValue"]
        out[key] = next(iter(const.values()))
    return out


@pytest.mark.parametrize("name", [p.stem for p in PIPELINES])
def test_compiled_pipeline_equals_plan(compiled, name):
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    loaded, job = compiled[name]
    proto = json_format.ParseDict(job["pipelineSpec"], pipeline_spec_pb2.PipelineSpec())  # fails on a bad spec
    plan = json.loads(run_cli("plan", str(REPO_ROOT / "pipelines" / f"{name}.yaml"), "--json").stdout)
    tasks = {name: json_format.MessageToDict(t) for name, t in proto.root.dag.tasks.items()}

    # The same set of components.
    assert {node_of(t) for t in tasks} == {n["id"] for n in plan}

    # The same dependency edges (artifact inputs and ordering-only edges).
    planned_edges = {(src.split(".")[0], n["id"]) for n in plan for src in n["inputs"].values()}
    planned_edges |= {(after, n["id"]) for n in plan for after in n["after"]}
    compiled_edges = {(node_of(dep), node_of(t)) for t, task in tasks.items() for dep in task.get("dependentTasks", [])}
    compiled_edges |= {(node_of(a["taskOutputArtifact"]["producerTask"]), node_of(t)) for t, task in tasks.items()
                       for a in task.get("inputs", {}).get("artifacts", {}).values()}
    compiled_edges = {e for e in compiled_edges if e[0] != e[1]}
    assert compiled_edges == planned_edges - LOCAL_ONLY_EDGES

    # The same executor classes as the locally built pipeline (the one `tfxkit run` runs).
    from tfxkit.dag.build import build_pipeline

    local = {c.id: c for c in build_pipeline(loaded).components}
    executors = proto.deployment_spec["executors"]
    for task_name, task in tasks.items():
        component = proto.components[task["componentRef"]["name"]]
        executor = executors[component.executor_label]
        if task_name in RESOLVER_TASKS:
            assert "resolver" in executor
            continue
        args = list(executor["container"]["args"])
        class_path = args[args.index("--executor_class_path") + 1]
        spec = local[task_name].executor_spec
        assert class_path == f"{spec.executor_class.__module__}.{spec.executor_class.__name__}", task_name

    # The same execution parameters: every local exec property, the paths mapped to the cluster's.
    target = resolve_target(loaded)
    for task_name, task in tasks.items():
        if task_name in RESOLVER_TASKS:
            continue
        got = params(task)
        for key, value in local[task_name].exec_properties.items():
            if value is None:
                continue
            want = value if isinstance(value, (str, int, float)) else json_format.MessageToJson(
                value, sort_keys=True, preserving_proto_field_name=True) if hasattr(value, "DESCRIPTOR") else \
                json.dumps(value, sort_keys=True)
            if key in ("input_base", "schema_file", "push_destination"):
                continue  # paths: checked against the cluster target below
            assert key in got, f"{task_name}.{key} missing from the compiled spec"
            assert _same(got[key], want), f"{task_name}.{key}: {got[key]!r} != {want!r}"

    by_id = {n["id"]: n for n in plan}
    gen = next(n for n in plan if n["id"].endswith("ExampleGen"))
    split = json.loads(params(tasks[gen["id"]])["output_config"])["split_config"]["splits"]
    assert {s["name"]: s["hash_buckets"] for s in split} == gen["params"]["split"]
    assert params(tasks[gen["id"]])["input_base"] == os.path.dirname(target.data_path)
    push = json.loads(params(tasks["Pusher"])["push_destination"])
    assert push["filesystem"]["base_directory"] == target.push_destination == "gs://tfxkit-test/root/serving"
    trainer = json.loads(params(tasks["Trainer"])["custom_config"])
    assert trainer["trainer"]["epochs"] == by_id["Trainer"]["params"]["epochs"]
    assert trainer["trainer"]["batch_size"] == by_id["Trainer"]["params"]["batch_size"]
    if "features" in by_id["Transform"]["params"]:
        features = json.loads(params(tasks["Transform"])["custom_config"])["features"]
        assert {k: v["transform"] for k, v in features.items()} == by_id["Transform"]["params"]["features"]
    eval_config = json.loads(params(tasks["Evaluator"])["eval_config"])
    thresholds = {}
    for metric in eval_config["metrics_specs"][0]["metrics"]:
        for per_slice in metric.get("per_slice_thresholds", []):
            thresholds[metric["class_name"]] = per_slice["threshold"]
    assert len(thresholds) == len(by_id["Evaluator"]["params"]["thresholds"])
    for gate in by_id["Evaluator"]["params"]["thresholds"].values():
        for key, value in gate.items():
            if key == "lower_bound":
                assert value in [t["value_threshold"]["lower_bound"] for t in thresholds.values()]
    if "ImportSchemaGen" in tasks:
        assert params(tasks["ImportSchemaGen"])["schema_file"] == target.schema_file
        assert target.schema_file.startswith("/app/schemas/")
    assert "resources" in executors[proto.components["Trainer"].executor_label]["container"]


def _same(got, want) -> bool:
    if isinstance(want, str) and want.startswith(("{", "[")):
        try:
            return json.loads(got) == json.loads(want)
        except (TypeError, ValueError):
            return False
    return str(got) == str(want) or (isinstance(want, (int, float)) and float(got) == float(want))


def _masked(text: str) -> str:
    """The generic modules' code hash changes with every edit of tfxkit/modules; the rest must not."""
    return re.sub(r'(\\"code\\": \\")[0-9a-f]{16}', r"\1<modules-code-hash>", text)


def _against_golden(text: str, golden: Path) -> None:
    if os.environ.get("TFXKIT_UPDATE_GOLDEN"):  # rewrite, never compare the file with itself: nothing was checked
        changed = not golden.exists() or _masked(text) != golden.read_text()
        golden.write_text(_masked(text))
        pytest.skip(f"golden rewritten ({'changed' if changed else 'unchanged'}): {golden}; review the diff "
                    "(git diff tests/golden) and run again without TFXKIT_UPDATE_GOLDEN")
    assert _masked(text) == golden.read_text(), (
        f"the compiled pipeline changed ({golden.name}); review the diff and regenerate with TFXKIT_UPDATE_GOLDEN=1")


def test_penguin_compiles_to_the_golden_file_byte_for_byte(compiled):
    from tfxkit.deploy.compile import compile_job, render

    loaded, job = compiled["penguin"]
    first = render(loaded, job, "kubeflow", "pipeline.json")
    again = render(loaded, compile_job(loaded, resolve_target(loaded)), "kubeflow", "pipeline.json")
    assert first == again, "compiling the same spec twice gave different bytes"
    assert "NotifyOnExit" not in first  # no notify section, no exit handler
    _against_golden(first, GOLDEN)


def test_notify_compiles_to_an_exit_task_after_the_unchanged_pipeline(compiled):
    from tfxkit.deploy.compile import compile_job, platform_spec, render
    from tfxkit.deploy.smoke import split_tasks

    loaded = load_spec(REPO_ROOT / "pipelines/penguin.yaml", {"kubeflow": {**CLUSTER, "secrets": {
        "ALERTS_URL": "alerts/url", "ALERTS_TOKEN": "alerts/token"}}, "notify": NOTIFY})
    job = compile_job(loaded, resolve_target(loaded))
    spec = job["pipelineSpec"]
    root = spec["root"]["dag"]["tasks"]
    assert set(root) == {"tfx-dag", "NotifyOnExit"}
    exit_task = root["NotifyOnExit"]
    assert exit_task["triggerPolicy"]["strategy"] == "ALL_UPSTREAM_TASKS_COMPLETED"
    assert exit_task["inputs"]["parameters"]["final_status"] == {"taskFinalStatus": {"producerTask": "tfx-dag"}}
    assert params({"inputs": {"parameters": {k: v for k, v in exit_task["inputs"]["parameters"].items()
                                             if k != "final_status"}}}) == {
        "notify": json.dumps(NOTIFY_AS_SENT, separators=(",", ":")), "pipeline": loaded.spec.pipeline.name}
    args = spec["deploymentSpec"]["executors"]["NotifyOnExit_executor"]["container"]["args"]
    assert args[args.index("--executor_class_path") + 1] == "tfxkit.components.notify_exit.executor.Executor"
    # The pipeline under the exit handler is the one compiled without it, task for task.
    tasks, exits = split_tasks(spec)
    assert tasks == compiled["penguin"][1]["pipelineSpec"]["root"]["dag"]["tasks"] and list(exits) == ["NotifyOnExit"]
    # The variables the section names reach the exit task's pod like every task's secrets.
    k8s = platform_spec(loaded, spec)["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert {e["envVar"] for s in k8s["NotifyOnExit_executor"]["secretAsEnv"] for e in s["keyToEnv"]} == {
        "ALERTS_URL", "ALERTS_TOKEN"}
    _against_golden(render(loaded, job, "kubeflow", "pipeline.json"), GOLDEN_NOTIFY)


def test_vertex_job_wraps_the_same_pipeline_spec(compiled):
    from tfxkit.deploy.compile import render

    loaded, job = compiled["penguin"]
    vertex = json.loads(render(loaded, job, "vertex", "job.json"))
    assert vertex["pipelineSpec"] == json.loads(render(loaded, job, "kubeflow", "pipeline.json"))
    assert vertex["runtimeConfig"]["gcsOutputDirectory"] == "gs://tfxkit-test/root"
    assert vertex["displayName"] == "penguin"


def test_secrets_env_and_mounts_reach_kfp_as_names_only(compiled, tmp_path):
    from kfp.client.client import _extract_pipeline_yaml

    from tfxkit.deploy.compile import compile_job, render

    loaded = load_spec(REPO_ROOT / "pipelines/penguin.yaml", {"kubeflow": {
        **CLUSTER, "env": {"TF_CPP_MIN_LOG_LEVEL": "1"}, "secrets": {"AWS_ACCESS_KEY_ID": "minio-creds/accesskey"},
        "mounts": [{"pvc": "data-pvc", "path": "/mnt/data"}], "data": "/mnt/data/penguins.csv"}})
    job = compile_job(loaded, resolve_target(loaded))
    out = tmp_path / "pipeline.yaml"
    out.write_text(render(loaded, job, "kubeflow", str(out)))
    doc = _extract_pipeline_yaml(str(out))  # kfp's own reader, as `kfp.Client.upload_pipeline` uses it
    trainer = doc.pipeline_spec.deployment_spec["executors"]["Trainer_executor"]["container"]
    assert [dict(e) for e in trainer["env"]] == [{"name": "TF_CPP_MIN_LOG_LEVEL", "value": "1"}]
    from google.protobuf import json_format

    platform = json_format.MessageToDict(doc.platform_spec)
    k8s = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["Trainer_executor"]
    assert k8s["secretAsEnv"][0]["secretName"] == "minio-creds"
    assert k8s["pvcMount"][0]["mountPath"] == "/mnt/data"
    assert params(job["pipelineSpec"]["root"]["dag"]["tasks"]["CsvExampleGen"])["input_base"] == "/mnt/data"
