"""CsvExampleGen: TFX's component with tfxkit's executor (see executor.py) for the spec's delimiter."""

from __future__ import annotations

from typing import Any

from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base.executor_spec import BeamExecutorSpec

from tfxkit.components.csv_example_gen.executor import EXECUTORS, CommaExecutor


class CsvExampleGen(FileBasedExampleGen):
    """TFX's CsvExampleGen component with tfxkit's executor for `delimiter`.

    A class of its own (TFX's CsvExampleGen takes no executor) so that MLMD, the
    Kubeflow UI and the node id all call it CsvExampleGen.
    """

    EXECUTOR_SPEC = BeamExecutorSpec(CommaExecutor)

    def __init__(self, *, delimiter: str = ",", **kwargs: Any):
        super().__init__(custom_executor_spec=BeamExecutorSpec(EXECUTORS[delimiter]), **kwargs)
