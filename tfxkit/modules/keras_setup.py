"""Process setup for Keras 2 (tf_keras), which the generic Trainer and Tuner use.

TFX 1.16's stack (tf.Transform's Keras layer, TFMA's model loading) works on
Keras 2, while TensorFlow 2.16 installs Keras 3 beside it. Two libraries then
pick the wrong one or treat tf_keras as user code:

- KerasTuner chooses Keras 3 whenever it is installed and rejects Keras 2
  models ("Expected ... a valid Keras Model instance"). Its Keras 2 code path
  is still there (it is what it runs where Keras 3 is absent);
  `use_tf_keras_in_keras_tuner` selects it.
- AutoGraph exempts the `keras` package from conversion but not `tf_keras`,
  so the first `fit` in a process converts ~600 Keras functions from source:
  about 14 s for a two-layer model on this machine, about 1 s with the
  exemption (the same code TensorFlow ran unconverted when Keras 2 was `keras`).
- Nor does it exempt tf.Transform, whose Keras layer the serving signatures
  call: tracing them converted TFT's loader code, 1.9 s of penguin's Trainer.
  tf.Transform traces its own functions with `autograph=False`; its code has
  no control flow on tensors, and a condition on one would fail the trace
  loudly, never change the graph silently.
"""

from __future__ import annotations

import os
import sys

EXEMPT = ("tf_keras", "tensorflow_transform")


def exempt_libraries() -> None:
    """Add AutoGraph DoNotConvert rules for EXEMPT (idempotent)."""
    from tensorflow.python.autograph.core import config as autograph_config

    present = {getattr(rule, "_prefix", None) for rule in autograph_config.CONVERSION_RULES}
    missing = tuple(autograph_config.DoNotConvert(name) for name in EXEMPT if name not in present)
    autograph_config.CONVERSION_RULES = missing + tuple(autograph_config.CONVERSION_RULES)


def use_tf_keras_in_keras_tuner() -> None:
    """Make KerasTuner build and fit tf_keras models; call before anything imports keras_tuner.

    KerasTuner decides once, when imported, by the version of the `keras`
    module it sees; for that import only, `keras` is tf_keras. Raises
    RuntimeError if KerasTuner was already imported with Keras 3.
    """
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tensorflow.keras -> tf_keras in KerasTuner's Keras 2 path
    if "keras_tuner" in sys.modules:
        from keras_tuner.src.backend import config

        if config.multi_backend():
            raise RuntimeError("keras_tuner was imported with Keras 3 before tfxkit could select tf_keras")
        return
    import tf_keras

    saved = sys.modules.get("keras")
    sys.modules["keras"] = tf_keras
    try:
        import keras_tuner  # noqa: F401
    finally:
        if saved is None:
            del sys.modules["keras"]
        else:
            sys.modules["keras"] = saved
