"""Learning-rate schedules from the spec's `trainer.learning_rate`.

Keras' built-in schedules do the decay; `WarmUp` adds a linear warm-up in
front of any of them. reduce_on_plateau is adaptive, so it is a constant rate
here plus the ReduceLROnPlateau callback (see `callbacks.py`).
"""

from __future__ import annotations

from typing import Any, Union

import tensorflow as tf
import tf_keras as keras

schedules = keras.optimizers.schedules


@keras.saving.register_keras_serializable(package="tfxkit")
class WarmUp(schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `initial` over `warmup_steps`, then `after(step - warmup_steps)`."""

    def __init__(self, initial: float, warmup_steps: int, after: Union[schedules.LearningRateSchedule, float]):
        super().__init__()
        self.initial = initial
        self.warmup_steps = warmup_steps
        self.after = after

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warm = self.initial * step / float(self.warmup_steps)
        rest = self.after(step - self.warmup_steps) if callable(self.after) else tf.constant(self.after, tf.float32)
        return tf.where(step < self.warmup_steps, warm, tf.cast(rest, tf.float32))

    def get_config(self) -> dict[str, Any]:
        after = keras.optimizers.schedules.serialize(self.after) if callable(self.after) else self.after
        return {"initial": self.initial, "warmup_steps": self.warmup_steps, "after": after}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "WarmUp":
        after = config["after"]
        if isinstance(after, dict):
            after = keras.optimizers.schedules.deserialize(after)
        return cls(config["initial"], config["warmup_steps"], after)


def learning_rate(config: dict[str, Any]) -> Union[float, schedules.LearningRateSchedule]:
    """The optimizer's learning rate for a `trainer.learning_rate` mapping."""
    kind = config["schedule"]
    if kind == "exponential":
        base = schedules.ExponentialDecay(config["initial"], config["decay_steps"], config["decay_rate"],
                                          staircase=config["staircase"])
    elif kind == "piecewise":
        base = schedules.PiecewiseConstantDecay(config["boundaries"], config["values"])
    elif kind == "cosine":
        base = schedules.CosineDecay(config["initial"], config["decay_steps"], alpha=config["alpha"])
    elif kind == "cosine_restarts":
        base = schedules.CosineDecayRestarts(config["initial"], config["first_decay_steps"], t_mul=config["t_mul"],
                                             m_mul=config["m_mul"], alpha=config["alpha"])
    elif kind == "polynomial":
        base = schedules.PolynomialDecay(config["initial"], config["decay_steps"],
                                         end_learning_rate=config["end_learning_rate"], power=config["power"],
                                         cycle=config["cycle"])
    elif kind in ("constant", "reduce_on_plateau"):
        base = float(config["initial"])
    else:
        raise ValueError(f"unknown learning-rate schedule '{kind}'")
    warmup = config.get("warmup_steps", 0)
    initial = config["values"][0] if kind == "piecewise" else config["initial"]
    return WarmUp(initial, warmup, base) if warmup else base
