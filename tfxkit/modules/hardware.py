"""Pick the distribution strategy and precision for the devices that are visible.

`plan_hardware` is a pure decision over a device list, so it is tested for
"no GPU" and "2 GPUs" without either; `make_strategy` applies a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf
import tf_keras as keras


@dataclass(frozen=True)
class HardwarePlan:
    """What the Trainer will use, and why (logged at the start of training)."""

    strategy: str  # "mirrored" or "default"
    gpus: tuple[str, ...]
    precision: str  # "mixed_float16" or "float32"

    @property
    def replicas(self) -> int:
        return max(1, len(self.gpus)) if self.strategy == "mirrored" else 1

    def describe(self) -> str:
        where = f"{len(self.gpus)} GPU(s): {', '.join(self.gpus)}" if self.gpus else "no GPU, CPU only"
        return f"{where}; strategy {self.strategy} ({self.replicas} replica(s)); precision {self.precision}"


def plan_hardware(distribution: str, mixed_precision: str, gpus: list[str]) -> HardwarePlan:
    """auto: MirroredStrategy and mixed_float16 when at least one GPU is visible, else defaults."""
    if distribution == "auto":
        strategy = "mirrored" if gpus else "default"
    else:
        strategy = distribution
    if mixed_precision == "auto":
        precision = "mixed_float16" if gpus else "float32"
    else:
        precision = "mixed_float16" if mixed_precision == "on" else "float32"
    return HardwarePlan(strategy, tuple(gpus), precision)


def visible_gpus() -> list[str]:
    """Names of the GPUs TensorFlow can use in this process."""
    return [d.name for d in tf.config.list_physical_devices("GPU")]


def make_strategy(plan: HardwarePlan) -> tf.distribute.Strategy:
    """Apply a plan: set the Keras precision policy and return the strategy to build the model under."""
    keras.mixed_precision.set_global_policy(plan.precision)
    if plan.strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()
