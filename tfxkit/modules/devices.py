"""Split the host's CPU into logical devices, so MirroredStrategy has several replicas without a GPU.

TensorFlow fixes its logical devices when its runtime initialises (the first
op, or anything that creates the eager context); the split can be asked for
only before that, and asking again for the same split afterwards is a no-op.
The local runner runs every component in the run's one process, Transform
first, so it applies `trainer.cpu_replicas` right after importing TensorFlow, before the
run starts; the Trainer's run_fn asks again (a no-op there, the split itself
in a process of its own, such as a Kubeflow pod) and fails with one line when
the devices were initialised without it.
"""

from __future__ import annotations

import tensorflow as tf

LOGICAL_CPU = "logical CPU"


def split_cpu(replicas: int) -> list[str]:
    """Make the first physical CPU `replicas` logical devices; their names, for MirroredStrategy(devices=...).

    Raises RuntimeError naming the way out when TensorFlow initialised its devices
    before, with another split: the split cannot change within a process.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)
    except RuntimeError as exc:
        have = len(tf.config.list_logical_devices("CPU"))
        raise RuntimeError(
            f"trainer.cpu_replicas: {replicas} needs the CPU split into {replicas} logical devices before "
            f"TensorFlow initialises, but this process initialised it with {have} ({exc}); the local runner splits "
            "it when the run starts: run the Trainer in a fresh process (tfxkit run)") from None
    names = [d.name for d in tf.config.list_logical_devices("CPU")]
    if len(names) != replicas:  # a split made elsewhere with other options: refuse rather than train otherwise
        raise RuntimeError(f"trainer.cpu_replicas: {replicas}, but TensorFlow has {len(names)} logical CPU devices")
    return names
