"""AnomaliesGate: the data gate between validation and Transform (see executor.py for what it checks)."""

from __future__ import annotations

from tfx.dsl.components.base.base_component import BaseComponent
from tfx.dsl.components.base.executor_spec import ExecutorClassSpec
from tfx.types import Channel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter
from tfx.types.standard_artifacts import ExampleAnomalies, ExampleStatistics

from tfxkit.components.data_gate.executor import ANOMALIES_KEY, DRIFT_KEY, STATISTICS_KEY, Executor


class AnomaliesGateSpec(ComponentSpec):
    """ExampleValidator's anomalies and StatisticsGen's statistics in, no output: the gate passes or fails."""

    PARAMETERS = {DRIFT_KEY: ExecutionParameter(type=str, optional=True)}
    INPUTS = {
        ANOMALIES_KEY: ChannelParameter(type=ExampleAnomalies),
        STATISTICS_KEY: ChannelParameter(type=ExampleStatistics),
    }
    OUTPUTS: dict = {}


class AnomaliesGate(BaseComponent):
    """Stops the run before Transform when the data breaks its schema, a split is empty or the data drifted.

    ExampleValidator records anomalies but lets the pipeline go on; a declarative
    pipeline whose data breaks its schema must not train on it.
    """

    SPEC_CLASS = AnomaliesGateSpec
    EXECUTOR_SPEC = ExecutorClassSpec(Executor)

    def __init__(self, anomalies: Channel, statistics: Channel, drift: str = ""):
        """`drift`: JSON of the served model's statistics and the drift thresholds ('' = no drift check)."""
        super().__init__(spec=AnomaliesGateSpec(anomalies=anomalies, statistics=statistics, drift=drift))
