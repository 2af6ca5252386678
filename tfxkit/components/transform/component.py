"""Transform: TFX's component with tfxkit's executor (see executor.py), which reads and writes examples in batches."""

from __future__ import annotations

from tfx.components.transform import component
from tfx.dsl.components.base.executor_spec import BeamExecutorSpec

from tfxkit.components.transform.executor import Executor


class Transform(component.Transform):
    """TFX's Transform with tfxkit's executor; a class of its own named Transform, so MLMD and Kubeflow say so."""

    EXECUTOR_SPEC = BeamExecutorSpec(Executor)
