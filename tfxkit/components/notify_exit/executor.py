"""NotifyOnExit's executor: KFP's final status in, notifications out (see final_status.py for what it can tell).

It never fails because of a target: a webhook that is down or a command that
hangs is one warning line in the task's log (tfxkit.notify.send), so the exit
task, and the run's state in the Kubeflow UI, say only what the pipeline did.
"""

from __future__ import annotations

from typing import Any

from tfx import types
from tfx.dsl.components.base import base_executor

from tfxkit.components.notify_exit.final_status import notify_final_status

FINAL_STATUS_KEY, NOTIFY_KEY, PIPELINE_KEY = "final_status", "notify", "pipeline"


class Executor(base_executor.BaseExecutor):
    """Sends the facts of the final status to the targets that asked for its outcome."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        notify_final_status(exec_properties[FINAL_STATUS_KEY], exec_properties[NOTIFY_KEY],
                            exec_properties[PIPELINE_KEY])
