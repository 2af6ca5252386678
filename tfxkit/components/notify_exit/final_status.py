"""What KFP's final status says about a run, as tfxkit's notification facts (no TFX import).

An exit-handler task receives one thing about the run it follows: KFP's
`PipelineTaskFinalStatus` (state, error, the pipeline job's name), as a JSON
string (schema 2.0, Vertex) or a struct (schema 2.1, open-source KFP). It gets
no artifact of the DAG: TFX's V2 compiler drops an exit handler's inputs. So it
can tell a finished run from a failed or cancelled one, but not what the run
decided inside: whether the Pusher pushed or the Evaluator refused the model,
or whether the failed task was the data gate (KFP's error is a generic
google.rpc.Status whose code does not carry the failed task's kind). A
finished run is therefore `succeeded`, a failed one `failed`, whatever task
stopped it; the reason line is KFP's own error message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from tfxkit.config.sections.notify import NotifySection
from tfxkit.notify.send import Facts, notify, warn_on_stderr


class FinalState(Enum):
    """PipelineTaskFinalStatus.state, which KFP writes as the name of its task state."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"  # a state this version of tfxkit does not know (treated as a failure: someone should look)

    @classmethod
    def of(cls, text: str) -> "FinalState":
        try:
            return cls(text)
        except ValueError:
            return cls.OTHER


# The notify event of each final state: the outcomes a local run knows (pushed, not_blessed, data_stopped) are
# not visible here (module docstring); `succeeded` is the Kubeflow-only event of a run that finished.
EVENT_OF = {FinalState.SUCCEEDED: "succeeded", FinalState.FAILED: "failed", FinalState.CANCELLED: "interrupted",
            FinalState.OTHER: "failed"}


def parse_final_status(value: Any) -> dict[str, Any]:
    """The final status as a dict, from the JSON string of schema 2.0 or the struct (a Mapping, or a protobuf
    Struct) of schema 2.1. A value that is neither is a ValueError: KFP changed what it sends."""
    if isinstance(value, str):
        parsed = json.loads(value)
    elif isinstance(value, Mapping):
        parsed = dict(value)
    elif hasattr(value, "DESCRIPTOR"):
        from google.protobuf import json_format

        parsed = json_format.MessageToDict(value)
    else:
        raise ValueError(f"the final status is a {type(value).__name__}, not KFP's PipelineTaskFinalStatus")
    if not isinstance(parsed, dict):
        raise ValueError(f"the final status is {parsed!r}, not KFP's PipelineTaskFinalStatus")
    return parsed


def _field(status: Mapping[str, Any], name: str) -> Any:
    """A field by its JSON name (pipelineJobName) or its proto name (pipeline_job_name): both reach the task."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return status.get(name, status.get(snake))


def facts_of(status: Mapping[str, Any], pipeline: str) -> Facts:
    """The facts a notification of this final status carries: the run id is KFP's job name."""
    state = FinalState.of(str(_field(status, "state") or ""))
    run_id = (_field(status, "pipelineJobName") or _field(status, "pipelineJobResourceName")
              or _field(status, "pipelineJobUuid") or "")
    error = _field(status, "error") or {}
    message = (str(error.get("message") or "").strip().splitlines() or [""])[0]
    if state is FinalState.SUCCEEDED:
        reason = "the run finished on Kubeflow (whether it pushed a model is in its Pusher's output)"
    elif state is FinalState.CANCELLED:
        reason = message or "the run was cancelled on Kubeflow"
    elif state is FinalState.FAILED:
        reason = message or "the run failed on Kubeflow (no error message)"
    else:
        reason = f"Kubeflow reported the final state {_field(status, 'state')!r}" + (f": {message}" if message else "")
    return Facts(pipeline=pipeline, run_id=str(run_id), outcome=EVENT_OF[state], reason=reason)


def notify_final_status(final_status: Any, notify_json: str, pipeline: str,
                        warn: Callable[[str], None] = warn_on_stderr) -> list[str]:
    """Send the spec's notify targets the facts of this final status (when they asked for its outcome); the
    failed targets, each one warning line. A target that fails or hangs never raises: the task succeeds."""
    section = NotifySection.model_validate_json(notify_json)
    return notify(section, facts_of(parse_final_status(final_status), pipeline), warn)
