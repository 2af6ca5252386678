"""NotifyOnExit: the exit-handler task that tells the spec's `notify` targets how a Kubeflow run ended.

KubeflowV2DagRunner.set_exit_handler puts the pipeline's tasks under one DAG
task and runs this one after it whatever happened (KFP's trigger policy
ALL_UPSTREAM_TASKS_COMPLETED), with KFP's final status of that DAG in the
parameter marked FinalStatusStr. The notify section travels as JSON: the
variable names it holds are read from the pod's environment when it runs.
"""

from __future__ import annotations

from tfx.dsl.components.base.base_component import BaseComponent
from tfx.dsl.components.base.executor_spec import ExecutorClassSpec
from tfx.orchestration.kubeflow.decorators import FinalStatusStr
from tfx.types.component_spec import ComponentSpec, ExecutionParameter

from tfxkit.components.notify_exit.executor import FINAL_STATUS_KEY, NOTIFY_KEY, PIPELINE_KEY, Executor


class NotifyOnExitSpec(ComponentSpec):
    """KFP's final status, the notify section (JSON) and the pipeline's name in; nothing out."""

    PARAMETERS = {
        FINAL_STATUS_KEY: ExecutionParameter(type=str),
        NOTIFY_KEY: ExecutionParameter(type=str),
        PIPELINE_KEY: ExecutionParameter(type=str),
    }
    INPUTS: dict = {}
    OUTPUTS: dict = {}


class NotifyOnExit(BaseComponent):
    """Sends the run's outcome to the notify targets; a target that fails or hangs is a warning in its log."""

    SPEC_CLASS = NotifyOnExitSpec
    EXECUTOR_SPEC = ExecutorClassSpec(Executor)

    def __init__(self, notify: str, pipeline: str):
        """`notify`: the spec's NotifySection as JSON; `pipeline`: the name the facts carry (pipeline.name)."""
        super().__init__(spec=NotifyOnExitSpec(final_status=FinalStatusStr(), notify=notify, pipeline=pipeline))
