"""`trainer.learning_rate`: a constant rate or one of the schedules, chosen by its `schedule` key.

Each schedule is a model of its own with a single-valued `schedule` Literal, so
pydantic picks the member by that tag and an error names the schedule's own keys.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union, get_args

from pydantic import Field, model_validator

from tfxkit.config.sections.strict import Strict


class _Schedule(Strict):
    initial: float = Field(gt=0.0, le=10.0, description="Learning rate at the start (after warm-up).")
    warmup_steps: int = Field(default=0, ge=0, description="Linear warm-up from 0 over this many steps.")


class ConstantSchedule(_Schedule):
    schedule: Literal["constant"] = "constant"


class ExponentialSchedule(_Schedule):
    schedule: Literal["exponential"]
    decay_steps: int = Field(ge=1)
    decay_rate: float = Field(gt=0.0, le=1.0)
    staircase: bool = False


class PiecewiseSchedule(Strict):
    schedule: Literal["piecewise"]
    boundaries: list[int] = Field(min_length=1, description="Steps at which the rate changes.")
    values: list[float] = Field(min_length=2, description="One more value than boundaries.")
    warmup_steps: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _shape(self) -> "PiecewiseSchedule":
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"{len(self.boundaries)} boundaries need {len(self.boundaries) + 1} values, "
                             f"got {len(self.values)}")
        if any(b <= a for a, b in zip(self.boundaries, self.boundaries[1:])) or self.boundaries[0] < 1:
            raise ValueError("boundaries must be increasing positive steps")
        if any(v <= 0 for v in self.values):
            raise ValueError("learning rates must be > 0")
        return self

    @property
    def initial(self) -> float:
        return self.values[0]


class CosineSchedule(_Schedule):
    schedule: Literal["cosine"]
    decay_steps: int = Field(ge=1)
    alpha: float = Field(default=0.0, ge=0.0, le=1.0, description="Final rate as a fraction of initial.")


class CosineRestartsSchedule(_Schedule):
    schedule: Literal["cosine_restarts"]
    first_decay_steps: int = Field(ge=1)
    t_mul: float = Field(default=2.0, gt=0.0)
    m_mul: float = Field(default=1.0, gt=0.0, le=1.0)
    alpha: float = Field(default=0.0, ge=0.0, le=1.0)


class PolynomialSchedule(_Schedule):
    schedule: Literal["polynomial"]
    decay_steps: int = Field(ge=1)
    end_learning_rate: float = Field(default=0.0001, ge=0.0)
    power: float = Field(default=1.0, gt=0.0)
    cycle: bool = False


class ReduceOnPlateauSchedule(Strict):
    schedule: Literal["reduce_on_plateau"]
    initial: float = Field(gt=0.0, le=10.0)
    monitor: str = "val_loss"
    factor: float = Field(default=0.5, gt=0.0, lt=1.0)
    patience: int = Field(default=2, ge=0)
    min_delta: float = Field(default=0.0001, ge=0.0)
    cooldown: int = Field(default=0, ge=0)
    min_lr: float = Field(default=0.0, ge=0.0)


_SCHEDULE_MODELS = (ConstantSchedule, ExponentialSchedule, PiecewiseSchedule, CosineSchedule, CosineRestartsSchedule,
                    PolynomialSchedule, ReduceOnPlateauSchedule)
Schedule = Annotated[Union[_SCHEDULE_MODELS], Field(discriminator="schedule")]
SCHEDULES: tuple[str, ...] = tuple(get_args(m.model_fields["schedule"].annotation)[0] for m in _SCHEDULE_MODELS)
