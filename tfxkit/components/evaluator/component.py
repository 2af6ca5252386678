"""Evaluator: TFX's component with tfxkit's executor (see executor.py), which computes TFMA's metrics in process."""

from __future__ import annotations

from tfx.components.evaluator import component
from tfx.dsl.components.base.executor_spec import BeamExecutorSpec

from tfxkit.components.evaluator.executor import Executor


class Evaluator(component.Evaluator):
    """TFX's Evaluator with tfxkit's executor; a class of its own named Evaluator, so MLMD and Kubeflow say so."""

    EXECUTOR_SPEC = BeamExecutorSpec(Executor)
