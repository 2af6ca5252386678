"""What one training needs besides its strategy, as plain values.

The Trainer hands it to `training_run.train_and_export` in its own process, or
as JSON to each worker process of `distribution: multi_worker`; so it imports
nothing heavy, and the launcher can be loaded without TensorFlow or TFX.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class TrainingJob:
    """What a training needs besides the strategy: plain values, so a worker process
    can be handed it as JSON."""

    config: dict[str, Any]  # custom_config with tuned values applied
    hyperparameters: dict[str, Any]
    train_files: list[str]
    eval_files: list[str]
    transform_output: str
    serving_model_dir: str
    model_run_dir: str
    base_model: str | None
    resume_dir: str | None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "TrainingJob":
        return cls(**json.loads(text))

    def elsewhere(self, scratch: str) -> "TrainingJob":
        """The same training with its outputs in `scratch`: what a non-chief worker writes."""
        # resume_dir stays: Keras' BackupAndRestore gives non-chief workers their own folder under it and
        # restores every worker from the chief's checkpoint.
        return TrainingJob(**{**asdict(self), "serving_model_dir": os.path.join(scratch, "model"),
                              "model_run_dir": os.path.join(scratch, "model_run")})
