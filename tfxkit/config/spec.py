"""The whole pipeline spec (version 1): `PipelineSpec`, composed of one model per YAML section.

The models are the single source of truth for what a spec may say: they forbid
unknown keys (so a typo is an error, not a silently ignored setting), carry the
defaults and descriptions, and generate the JSON Schema that editors use and the
spec reference. Each section's model and checks are in `tfxkit.config.sections`.
"""

from __future__ import annotations

import os
from typing import Literal, Optional

from pydantic import ConfigDict, Field

from tfxkit.config.metrics import DEFAULT_METRICS
from tfxkit.config.sections.components import CustomComponentSection
from tfxkit.config.sections.data import DataSection
from tfxkit.config.sections.evaluation import EvaluationSection
from tfxkit.config.sections.kubeflow import KubeflowSection
from tfxkit.config.sections.model import ModelSection
from tfxkit.config.sections.notify import NotifySection
from tfxkit.config.sections.pipeline import PipelineSection
from tfxkit.config.sections.push import PushSection
from tfxkit.config.sections.schema import SchemaSection
from tfxkit.config.sections.strict import Strict
from tfxkit.config.sections.trainer import TrainerSection
from tfxkit.config.sections.transform import TransformSection
from tfxkit.config.sections.tuning import TuningSection
from tfxkit.config.sections.validation import ValidationSection


class PipelineSpec(Strict):
    """A whole tfxkit pipeline (spec version 1)."""

    version: Literal[1] = 1
    pipeline: PipelineSection
    data: DataSection
    schema_: SchemaSection = Field(default_factory=SchemaSection, alias="schema")
    validation: ValidationSection = Field(default_factory=ValidationSection)
    transform: TransformSection
    model: ModelSection
    trainer: TrainerSection = Field(default_factory=TrainerSection)
    tuning: Optional[TuningSection] = None
    evaluation: EvaluationSection = Field(default_factory=EvaluationSection)
    push: PushSection = Field(default_factory=PushSection)
    kubeflow: Optional[KubeflowSection] = None
    notify: Optional[NotifySection] = Field(default=None, description="Tell people or systems of a run's "
                                            "outcome: webhooks and commands.")
    components: list[CustomComponentSection] = Field(default_factory=list, description="Custom TFX components "
                                                      "added to the DAG.")

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True, strict=True)

    def push_destination(self) -> str:
        """The pipeline's push folder: push.destination, the first of push.destinations, or `serving` under the
        root. The Pusher, `plan` and Kubeflow's compile all ask here, so they cannot disagree."""
        return self.push.pipeline_destination() or os.path.join(self.pipeline.root, "serving")

    def metric_names(self) -> list[str]:
        """The metrics to compute: declared ones, plus every metric a threshold names."""
        names = list(self.evaluation.metrics or DEFAULT_METRICS[self.model.task])
        names += [m for m in self.evaluation.thresholds if m not in names]
        return names
