"""Pick the distribution strategy and precision for the devices that are visible.

`plan_hardware` is a pure decision over a device list (and `trainer.cpu_replicas`),
so it is tested for "no GPU", "2 GPUs" and "2 logical CPUs" without any of them;
`make_strategy` applies a plan. The plan is logged, and recorded with the model
(`record`), so an audit sees what hardware trained it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import tensorflow as tf
import tf_keras as keras

from tfxkit.modules.devices import LOGICAL_CPU, split_cpu


@dataclass(frozen=True)
class HardwarePlan:
    """What the Trainer will use, and why (logged at the start of training, recorded with the model)."""

    strategy: str  # "mirrored", "default" or "multi_worker"
    gpus: tuple[str, ...]
    precision: str  # "mixed_float16", "mixed_bfloat16" or "float32"
    cpu_replicas: int | None = None  # MirroredStrategy over this many logical CPU devices (GPUs unused)
    why: str = ""  # why this precision
    workers: int | None = None  # multi_worker: this many worker processes on this host, one CPU replica each

    @property
    def replicas(self) -> int:
        if self.strategy == "multi_worker":
            return self.workers or 1
        if self.strategy != "mirrored":
            return 1
        return self.cpu_replicas or max(1, len(self.gpus))

    @property
    def device_kind(self) -> str:
        """What each replica runs on: "logical CPU", "GPU" or "CPU"."""
        if self.cpu_replicas:
            return LOGICAL_CPU
        if self.workers:
            return "CPU worker processes"
        return "GPU" if self.gpus else "CPU"

    @property
    def loss_scaling(self) -> bool:
        """float16's narrow range underflows small gradients; tf_keras' compile wraps the optimizer in a
        LossScaleOptimizer under this policy (bfloat16 has float32's range and needs none)."""
        return self.precision == "mixed_float16"

    def short(self) -> str:
        """One phrase for lineage and the report: "2 replicas (logical CPU), mixed_bfloat16"."""
        count = f"{self.replicas} replica{'s' if self.replicas != 1 else ''}"
        return f"{count} ({self.device_kind}), {self.precision}"

    def describe(self) -> str:
        where = f"{len(self.gpus)} GPU(s): {', '.join(self.gpus)}" if self.gpus else "no GPU, CPU only"
        if self.cpu_replicas:
            where += f"; CPU split into {self.cpu_replicas} logical devices (trainer.cpu_replicas)"
        if self.workers:
            where += f"; {self.workers} worker processes on this host (trainer.workers), one CPU replica each"
        return (f"{where}; strategy {self.strategy} ({self.replicas} replica(s)); precision {self.precision}"
                f"{f' ({self.why})' if self.why else ''}")

    def record(self, batch_size: int) -> dict[str, Any]:
        """The plan as recorded with the model: `batch_size` is per replica, the global batch what one step sees."""
        return {"strategy": self.strategy, "replicas": self.replicas, "devices": self.device_kind,
                "gpus": list(self.gpus), "workers": self.workers, "precision": self.precision, "loss_scaling": self.loss_scaling,
                "why": self.why, "batch_size_per_replica": batch_size,
                "global_batch_size": batch_size * self.replicas, "summary": self.short()}


def plan_hardware(distribution: str, mixed_precision: str, gpus: list[str],
                  cpu_replicas: int | None = None, workers: int | None = None) -> HardwarePlan:
    """auto: MirroredStrategy and mixed_float16 when at least one GPU is visible, else defaults.

    `cpu_replicas` trains on that many logical CPU devices under MirroredStrategy
    whatever GPUs there are, so precision is then chosen for a CPU. On a CPU,
    `mixed_precision: on` means mixed_bfloat16: float16 on a CPU is emulated
    (slow) and needs loss scaling, bfloat16 has oneDNN kernels and float32's range.
    `multi_worker` trains in `workers` processes on this host, each on its CPU.
    """
    if distribution == "multi_worker":
        if not workers or cpu_replicas is not None:
            raise ValueError("multi_worker needs workers (2 or more) and no cpu_replicas")
        strategy = "multi_worker"
    elif cpu_replicas is not None:
        if distribution == "default":
            raise ValueError(f"cpu_replicas {cpu_replicas} needs MirroredStrategy, not distribution 'default'")
        strategy = "mirrored"
    elif distribution == "auto":
        strategy = "mirrored" if gpus else "default"
    else:
        strategy = distribution
    on_gpu = bool(gpus) and cpu_replicas is None and strategy != "multi_worker"
    if mixed_precision == "off" or (mixed_precision == "auto" and not on_gpu):
        precision = "float32"
        why = "mixed_precision off" if mixed_precision == "off" else "mixed_precision auto: no GPU trains"
    elif on_gpu:
        precision = "mixed_float16"
        why = f"mixed_precision {mixed_precision}, GPU: float16 with loss scaling"
    else:
        precision = "mixed_bfloat16"
        why = "mixed_precision on, no GPU trains: bfloat16, the CPU's mixed type (no loss scaling)"
    return HardwarePlan(strategy, tuple(gpus), precision, cpu_replicas, why,
                        workers if strategy == "multi_worker" else None)


def visible_gpus() -> list[str]:
    """Names of the GPUs TensorFlow can use in this process."""
    return [d.name for d in tf.config.list_physical_devices("GPU")]


def make_strategy(plan: HardwarePlan) -> tf.distribute.Strategy:
    """Apply a plan: set the Keras precision policy and return the strategy to build the model under.

    With cpu_replicas this splits the CPU first (see `devices.split_cpu`), so it
    must run before anything in the process initialises TensorFlow's devices.
    """
    devices = split_cpu(plan.cpu_replicas) if plan.cpu_replicas else None
    keras.mixed_precision.set_global_policy(plan.precision)
    if plan.strategy in ("multi_worker", "mirrored"):
        return _distributed_strategy(plan.strategy, tuple(devices) if devices else None)
    return tf.distribute.get_strategy()


@functools.cache
def _distributed_strategy(kind: str, devices: tuple[str, ...] | None) -> tf.distribute.Strategy:
    """One strategy per process per kind and device set: each new MirroredStrategy numbers its collective ops
    from the same start, so a second one in a process (the Trainer's after the Tuner's, in the local runner's
    one process) meets the first one's all-reduces and aborts with "Shape mismatch in the collective
    instance" (tensorflow#62790)."""
    if kind == "multi_worker":  # in a worker process, with TF_CONFIG set (multi_worker.run_workers)
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.MirroredStrategy(devices=list(devices) if devices else None)
