"""The smoke run runs the exit task (the spec's notify section) last, with the final status it computed, after a
failed task too; the compiled exit task, through TFX's own entrypoint, tells a webhook on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO_ROOT
from tests.notify.webhook import Webhook
from tfxkit.deploy.smoke import SmokeRunError, smoke_run, split_tasks

GOLDEN_NOTIFY = json.loads((REPO_ROOT / "tests/golden/penguin-notify.kubeflow.json").read_text())
# A task that records the ExecutorInput it was given (argv[1]) in $RECORD, one JSON line per task; exits $EXIT.
RECORD = ("import json, os, sys; open(os.environ['RECORD'], 'a').write(json.dumps(json.loads(sys.argv[1])) + '\\n'); "
          "sys.exit(int(os.environ.get(sys.argv[2], '0')))")


def _task(name: str, after: list[str] | None = None, final_status: bool = False) -> dict:
    task: dict = {"componentRef": {"name": name}, "taskInfo": {"name": name}, "dependentTasks": after or []}
    if final_status:
        task["inputs"] = {"parameters": {"final_status": {"taskFinalStatus": {"producerTask": "tfx-dag"}},
                                         "pipeline": {"runtimeValue": {"constantValue": {"stringValue": "tiny"}}}}}
        task["triggerPolicy"] = {"strategy": "ALL_UPSTREAM_TASKS_COMPLETED"}
    return task


def _recording(name: str) -> tuple[dict, dict]:
    """(the component, its executor): `python -c RECORD {{$}} EXIT_<name>`."""
    return ({"executorLabel": f"{name}_executor"},
            {"container": {"command": ["python", "-c", RECORD], "args": ["{{$}}", f"EXIT_{name}"]}})


def _job(tmp_path, exit_task: tuple[dict, dict] | None = None) -> dict:
    """Two DAG tasks (B after A) under `tfx-dag`, and an exit task `Notify` (recording, unless given)."""
    components, executors = {}, {}
    for name in ("A", "B"):
        components[name], executors[f"{name}_executor"] = _recording(name)
    components["Notify"], executors["Notify_executor"] = exit_task or _recording("Notify")
    components["tfx-dag"] = {"dag": {"tasks": {"A": _task("A"), "B": _task("B", ["A"])}}}
    spec = {"pipelineInfo": {"name": "tiny"}, "components": components,
            "deploymentSpec": {"executors": executors},
            "root": {"dag": {"tasks": {"tfx-dag": {"componentRef": {"name": "tfx-dag"}},
                                       "Notify": _task("Notify", ["tfx-dag"], final_status=True)}}}}
    return {"pipelineSpec": spec, "runtimeConfig": {"gcsOutputDirectory": str(tmp_path / "root")}}


def _recorded(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_exit_task_is_told_apart_from_the_pipelines_tasks(tmp_path):
    tasks, exits = split_tasks(_job(tmp_path)["pipelineSpec"])
    assert set(tasks) == {"A", "B"} and set(exits) == {"Notify"}
    tasks, exits = split_tasks(json.loads((REPO_ROOT / "tests/golden/penguin.kubeflow.json").read_text()))
    assert "Pusher" in tasks and exits == {}


def test_the_exit_task_runs_last_with_the_succeeded_status(tmp_path, monkeypatch):
    monkeypatch.setenv("RECORD", str(tmp_path / "record.jsonl"))
    result = smoke_run(_job(tmp_path), str(tmp_path), log=lambda line: None)
    *dag, notify = _recorded(tmp_path / "record.jsonl")
    assert len(dag) == 2 and list(result.tasks) == ["A", "B", "Notify"]
    status = json.loads(notify["inputs"]["parameters"]["final_status"]["stringValue"])  # schema 2.0, as Vertex
    assert status == {"state": "SUCCEEDED", "pipelineJobName": result.run_id, "pipelineTaskName": "tfx-dag"}
    assert notify["inputs"]["parameterValues"]["final_status"] == status  # schema 2.1: the struct
    assert notify["inputs"]["parameters"]["pipeline"] == {"stringValue": "tiny"}


def test_after_a_failed_task_the_exit_task_runs_with_its_error_and_the_run_still_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("RECORD", str(tmp_path / "record.jsonl"))
    monkeypatch.setenv("EXIT_A", "3")
    with pytest.raises(SmokeRunError, match="task A .* failed with exit 3") as failed:
        smoke_run(_job(tmp_path), str(tmp_path), log=lambda line: None)
    first, notify = _recorded(tmp_path / "record.jsonl")  # B never ran
    status = json.loads(notify["inputs"]["parameters"]["final_status"]["stringValue"])
    assert status["state"] == "FAILED" and status["error"] == {"message": str(failed.value)}


def test_a_failed_exit_task_fails_a_run_that_succeeded_but_not_the_report_of_one_that_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("RECORD", str(tmp_path / "record.jsonl"))
    monkeypatch.setenv("EXIT_Notify", "4")
    with pytest.raises(SmokeRunError, match="task Notify"):
        smoke_run(_job(tmp_path), str(tmp_path), log=lambda line: None)
    monkeypatch.setenv("EXIT_B", "5")
    lines: list[str] = []
    with pytest.raises(SmokeRunError, match="task B .* exit 5"):
        smoke_run(_job(tmp_path), str(tmp_path), log=lines.append)
    assert any(line.startswith("  Notify: task Notify (executor) failed with exit 4") for line in lines)


def test_the_compiled_exit_task_tells_the_webhook_through_tfxs_entrypoint(tmp_path, monkeypatch):
    """The golden file's NotifyOnExit task, as compiled, after a DAG whose task B fails: TFX's
    kubeflow_v2_run_executor hands the final status to tfxkit's executor, which posts the facts."""
    job = _job(tmp_path)
    spec = job["pipelineSpec"]
    spec["root"]["dag"]["tasks"] = {"tfx-dag": spec["root"]["dag"]["tasks"]["tfx-dag"],
                                    "NotifyOnExit": GOLDEN_NOTIFY["root"]["dag"]["tasks"]["NotifyOnExit"]}
    spec["components"]["NotifyOnExit"] = GOLDEN_NOTIFY["components"]["NotifyOnExit"]
    spec["deploymentSpec"]["executors"]["NotifyOnExit_executor"] = GOLDEN_NOTIFY["deploymentSpec"]["executors"][
        "NotifyOnExit_executor"]
    monkeypatch.setenv("RECORD", str(tmp_path / "record.jsonl"))
    monkeypatch.setenv("EXIT_B", "2")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    lines: list[str] = []
    with Webhook() as hook:
        monkeypatch.setenv("ALERTS_URL", hook.url)
        monkeypatch.setenv("ALERTS_TOKEN", "Bearer t0ken")
        with pytest.raises(SmokeRunError, match="task B"):
            smoke_run(job, str(tmp_path), log=lines.append, cwd=str(REPO_ROOT))
    assert any(line.startswith("  NotifyOnExit: ok") for line in lines), lines
    [(_, headers, body)] = hook.received
    assert headers["Authorization"] == "Bearer t0ken"
    assert body["pipeline"] == "penguin" and body["outcome"] == "failed"
    assert body["run_id"].startswith("smoke-") and body["reason"].startswith("task B (executor) failed with exit 2")
