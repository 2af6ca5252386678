"""The `trainer` section: budget, batch, optimizer, learning rate, early stopping, hardware.

Its checks need the model's task: early stopping and a reduce_on_plateau rate
watch metrics, which must be ones the Trainer computes for that task, watched
the right way round.
"""

from __future__ import annotations

from typing import Iterator, Literal, Optional, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from tfxkit.config.metrics import direction_of, kind_of, not_computed, watchable
from tfxkit.config.problem import Problem
from tfxkit.config.sections.learning_rate import SCHEDULES, ConstantSchedule, Schedule
from tfxkit.config.sections.strict import Strict

OptimizerName = Literal["adam", "sgd", "rmsprop", "adagrad", "adamw"]
OPTIMIZERS: tuple[str, ...] = get_args(OptimizerName)


class OptimizerSection(Strict):
    """The optimizer and its options; `optimizer: adam` is short for `{name: adam}`."""

    name: OptimizerName = "adam"
    momentum: Optional[float] = Field(default=None, ge=0.0, lt=1.0, description="sgd and rmsprop only.")
    nesterov: Optional[bool] = Field(default=None, description="sgd only.")
    weight_decay: Optional[float] = Field(default=None, ge=0.0, lt=1.0, description="adamw (default 0.004).")
    clipnorm: Optional[float] = Field(default=None, gt=0.0, description="Clip each gradient to this L2 norm.")
    clipvalue: Optional[float] = Field(default=None, gt=0.0, description="Clip gradient values to [-v, v].")

    @model_validator(mode="after")
    def _options_fit_optimizer(self) -> "OptimizerSection":
        if self.momentum is not None and self.name not in ("sgd", "rmsprop"):
            raise ValueError(f"momentum does not apply to '{self.name}' (only sgd and rmsprop)")
        if self.nesterov is not None and self.name != "sgd":
            raise ValueError(f"nesterov does not apply to '{self.name}' (only sgd)")
        if self.weight_decay is not None and self.name != "adamw":
            raise ValueError(f"weight_decay does not apply to '{self.name}' (only adamw; use "
                             "model.regularization for the others)")
        if self.clipnorm is not None and self.clipvalue is not None:
            raise ValueError("give clipnorm or clipvalue, not both")
        return self


class EarlyStoppingSection(Strict):
    """Stop when the monitored metric stops improving."""

    monitor: str = "val_loss"
    mode: Literal["auto", "min", "max"] = "auto"
    patience: int = Field(default=3, ge=0)
    min_delta: float = Field(default=0.0, ge=0.0)
    restore_best_weights: bool = True


class TrainerSection(Strict):
    """Training loop: budget, batch, optimizer, learning rate, stopping, hardware."""

    epochs: int = Field(default=10, ge=1, le=100_000, description="Maximum number of epochs.")
    max_steps: Optional[int] = Field(default=None, ge=1, description="Stop after this many steps in all.")
    batch_size: int = Field(default=32, ge=1, le=1_000_000, description="Per replica; the global batch "
                            "is this times the number of replicas.")
    optimizer: OptimizerSection = Field(default_factory=OptimizerSection)
    learning_rate: Schedule = Field(default_factory=lambda: ConstantSchedule(initial=0.001))
    early_stopping: Optional[EarlyStoppingSection] = None
    distribution: Literal["auto", "default", "mirrored", "multi_worker"] = Field(
        default="auto", description="auto: MirroredStrategy when a GPU is visible, else the default strategy. "
        "multi_worker: MultiWorkerMirroredStrategy over trainer.workers processes on the Trainer's host "
        "(local and Beam runners; refused on Kubeflow)."
    )
    mixed_precision: Literal["auto", "on", "off"] = Field(
        default="auto", description="auto: mixed_float16 on GPU only. on: mixed_float16 (with loss scaling) when "
        "training on a GPU, mixed_bfloat16 on CPU (float16 needs a GPU; bfloat16 needs no loss scaling)."
    )
    cpu_replicas: Optional[int] = Field(
        default=None, ge=2, le=64, description="Split the CPU into this many logical devices before TensorFlow "
        "initialises and train with MirroredStrategy over them (one replica each; GPUs are then not used): "
        "multi-replica training without a GPU, for tests and many-core hosts. None: one device per GPU, or the CPU."
    )
    workers: Optional[int] = Field(
        default=None, ge=2, le=16, description="distribution multi_worker: this many worker processes, one CPU "
        "replica each, on loopback ports the Trainer picks; worker 0 (the chief) writes the model."
    )
    warm_start: bool = Field(
        default=False, description="Start from the weights of the model being served (the last one pushed) when "
        "its layers have the same shapes; the first run, with nothing served, trains from scratch."
    )
    seed: Optional[int] = Field(
        default=None, ge=0, lt=2**31, description="Seed Python, NumPy and TensorFlow before the model is built "
        "(initial weights, dropout, shuffle order, tuner trials): the same data and spec train the same model on "
        "the same machine and stack. None: a fresh seed each run."
    )

    @field_validator("mixed_precision", mode="before")
    @classmethod
    def _yaml_on_off(cls, value):
        # YAML 1.1 reads a bare on/off as a boolean: `mixed_precision: on` means "on", not True.
        if isinstance(value, bool):
            return "on" if value else "off"
        return value

    @field_validator("optimizer", mode="before")
    @classmethod
    def _optimizer_short_form(cls, value):
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, (dict, BaseModel)):
            return value
        raise ValueError(f"expected an optimizer name ({', '.join(OPTIMIZERS)}) or a mapping with 'name', "
                         f"got {'a list' if isinstance(value, list) else repr(value)}")

    @field_validator("learning_rate", mode="before")
    @classmethod
    def _rate_short_form(cls, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"schedule": "constant", "initial": float(value)}
        if isinstance(value, dict):
            return value if "schedule" in value else {"schedule": "constant", **value}
        if isinstance(value, BaseModel):
            return value
        raise ValueError(f"expected a number or a mapping with 'schedule' (one of: {', '.join(SCHEDULES)}), "
                         f"got {value!r}")


def check_replicas(trainer: TrainerSection) -> Iterator[Problem]:
    """cpu_replicas trains under MirroredStrategy, workers under multi_worker; a setting another one would
    silently ignore is refused."""
    if trainer.cpu_replicas is not None and trainer.distribution in ("default", "multi_worker"):
        why = ("distribution 'default' trains one" if trainer.distribution == "default" else
               "multi_worker trains one per worker process (trainer.workers)")
        yield Problem(("trainer", "cpu_replicas"), f"{trainer.cpu_replicas} replicas need MirroredStrategy, but "
                      f"{why} (expected distribution auto or mirrored, or no cpu_replicas)")
    if trainer.distribution == "multi_worker" and trainer.workers is None:
        yield Problem(("trainer", "distribution"), "multi_worker needs trainer.workers (expected the number of "
                      "worker processes, 2 or more)")
    if trainer.workers is not None and trainer.distribution != "multi_worker":
        yield Problem(("trainer", "workers"), f"{trainer.workers} workers need distribution multi_worker (got "
                      f"'{trainer.distribution}')")


def check_training_monitors(trainer: TrainerSection, task: str) -> Iterator[Problem]:
    """Early stopping and a reduce_on_plateau rate watch a metric the Trainer computes, the right way round."""
    stop = trainer.early_stopping
    rate = trainer.learning_rate
    if stop is not None:
        path = ("trainer", "early_stopping")
        if stop.monitor not in watchable(task):
            yield from not_computed(path + ("monitor",), stop.monitor, task, "early stopping would never trigger")
        elif stop.mode != "auto" and direction_of(stop.monitor) not in (None, stop.mode):
            natural = direction_of(stop.monitor)
            yield Problem(path + ("mode",), f"mode '{stop.mode}' treats '{stop.monitor}' as "
                          f"{'higher' if stop.mode == 'max' else 'lower'} is better, but {kind_of(stop.monitor)}: "
                          f"training would stop while the model improves (expected {natural} or auto)")
    if rate.schedule == "reduce_on_plateau":
        yield from _plateau_monitor(rate, stop, task)


def _plateau_monitor(rate, stop: Optional[EarlyStoppingSection], task: str) -> Iterator[Problem]:
    path = ("trainer", "learning_rate")
    if rate.monitor not in watchable(task):
        yield from not_computed(path + ("monitor",), rate.monitor, task, "the rate would never be reduced")
    elif direction_of(rate.monitor) == "max" and "acc" not in rate.monitor:
        fitting = ", ".join(m for m in watchable(task) if direction_of(m) == "min" or "acc" in m)
        yield Problem(path + ("monitor",), f"Keras' ReduceLROnPlateau treats '{rate.monitor}' as lower is better "
                      "(it counts only names with 'acc' as higher is better), so the rate would drop while the "
                      f"model improves (expected a loss or an accuracy: {fitting})")
    elif (stop is not None and stop.monitor == rate.monitor and stop.patience <= rate.patience
          and stop.mode in ("auto", direction_of(stop.monitor))):
        yield Problem(("trainer", "early_stopping", "patience"), f"early stopping after {stop.patience} epochs "
                      f"without improvement ends training before reduce_on_plateau (patience {rate.patience}) ever "
                      f"lowers the rate (expected a patience above {rate.patience})")
