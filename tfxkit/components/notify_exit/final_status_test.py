"""KFP's final status as notification facts, sent through tfxkit.notify to a real HTTP endpoint (no TFX import)."""

from __future__ import annotations

import json
import time

import pytest

from tests.notify.webhook import Webhook
from tfxkit.components.notify_exit.final_status import FinalState, facts_of, notify_final_status, parse_final_status

FAILED = {"state": "FAILED", "pipelineJobName": "penguin-20261204", "pipelineTaskName": "tfx-dag",
          "error": {"code": 9, "message": "The DAG failed because some tasks failed.\nThe failed tasks are: [Trainer]."}}


def section(url_variable: str = "HOOK", when=("failed", "succeeded", "interrupted"), timeout: float = 5.0) -> str:
    return json.dumps({"when": list(when), "timeout": timeout, "targets": [{"webhook_env": url_variable}]})


@pytest.mark.parametrize("status, outcome, reason", [
    (FAILED, "failed", "The DAG failed because some tasks failed."),
    ({"state": "SUCCEEDED", "pipelineJobName": "j"}, "succeeded",
     "the run finished on Kubeflow (whether it pushed a model is in its Pusher's output)"),
    ({"state": "CANCELLED", "pipelineJobName": "j"}, "interrupted", "the run was cancelled on Kubeflow"),
    ({"state": "FAILED", "pipelineJobName": "j"}, "failed", "the run failed on Kubeflow (no error message)"),
    # A state this tfxkit does not know is a failure someone should look at, named as KFP wrote it.
    ({"state": "PAUSED", "pipelineJobName": "j"}, "failed", "Kubeflow reported the final state 'PAUSED'"),
])
def test_each_final_state_is_an_outcome_with_one_line_why(status, outcome, reason):
    facts = facts_of(status, "penguin")
    assert (facts.outcome, facts.reason, facts.pipeline) == (outcome, reason, "penguin")


def test_the_run_id_is_the_kfp_jobs_by_either_field_name():
    assert facts_of(FAILED, "p").run_id == "penguin-20261204"
    assert facts_of({"state": "FAILED", "pipeline_job_name": "snake"}, "p").run_id == "snake"
    assert facts_of({"state": "FAILED", "pipelineJobResourceName": "projects/1/pipelineJobs/x"}, "p").run_id == \
        "projects/1/pipelineJobs/x"


def test_the_final_status_as_a_json_string_a_struct_or_a_protobuf_struct():
    from google.protobuf import struct_pb2

    proto = struct_pb2.Struct()
    proto.update(FAILED)
    for value in (json.dumps(FAILED), FAILED, proto):
        assert FinalState.of(parse_final_status(value)["state"]) is FinalState.FAILED
    with pytest.raises(ValueError, match="not KFP's PipelineTaskFinalStatus"):
        parse_final_status(3)
    with pytest.raises(ValueError, match="not KFP's PipelineTaskFinalStatus"):
        parse_final_status("[1]")


def test_a_failed_run_reaches_the_webhook_with_the_facts_of_a_local_run(monkeypatch):
    with Webhook() as hook:
        monkeypatch.setenv("HOOK", hook.url)
        warnings: list[str] = []
        assert notify_final_status(json.dumps(FAILED), section(), "penguin", warnings.append) == []
    [(_, _, body)] = hook.received
    assert body == {"pipeline": "penguin", "run_id": "penguin-20261204", "outcome": "failed",
                    "reason": "The DAG failed because some tasks failed.", "metrics": {}, "report": None,
                    "pushed_to": None}
    assert warnings == []


def test_an_outcome_the_section_did_not_ask_for_is_sent_nowhere(monkeypatch):
    with Webhook() as hook:
        monkeypatch.setenv("HOOK", hook.url)
        notify_final_status({"state": "SUCCEEDED", "pipelineJobName": "j"}, section(when=("failed",)), "p", print)
    assert hook.received == []


def test_a_hanging_or_unset_target_is_one_warning_within_the_timeout(monkeypatch):
    with Webhook(hang=True) as hook:
        monkeypatch.setenv("HOOK", hook.url)
        warnings: list[str] = []
        started = time.monotonic()
        notify_final_status(FAILED, section(timeout=0.5), "p", warnings.append)
        assert time.monotonic() - started < 3
    [warning] = warnings  # urllib's own timeout or the section's, whichever fires first
    assert warning.startswith("notification to webhook $HOOK failed: ") and len(hook.received) == 1
    warnings.clear()
    notify_final_status(FAILED, section("NOT_SET_ON_THIS_POD"), "p", warnings.append)
    assert warnings == ["notification to webhook $NOT_SET_ON_THIS_POD failed: $NOT_SET_ON_THIS_POD is not set"]
