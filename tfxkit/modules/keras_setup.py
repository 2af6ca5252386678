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

import importlib.abc
import importlib.util
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
    """Make KerasTuner build and fit tf_keras models, whenever anything first imports it in this process.

    KerasTuner decides once, when imported, by the version of the `keras`
    module it sees; an import hook makes `keras` stand for tf_keras during that
    import only. KerasTuner itself is not imported here: it costs about 2 s,
    which only tuned runs (and TFX's Tuner component) need to pay. Call before
    anything imports keras_tuner; raises RuntimeError if it already was, with
    Keras 3.
    """
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tensorflow.keras -> tf_keras in KerasTuner's Keras 2 path
    if "keras_tuner" in sys.modules:
        from keras_tuner.src.backend import config

        if config.multi_backend():
            raise RuntimeError("keras_tuner was imported with Keras 3 before tfxkit could select tf_keras")
        return
    if not any(isinstance(finder, _KerasTunerOnTfKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, _KerasTunerOnTfKeras())


class _KerasTunerOnTfKeras(importlib.abc.MetaPathFinder):
    """Finds keras_tuner as Python would, with a loader that runs it while `keras` is tf_keras; once."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname != "keras_tuner":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _OnTfKeras(spec.loader)
        return spec


class _OnTfKeras(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        import tf_keras

        saved = sys.modules.get("keras")
        sys.modules["keras"] = tf_keras
        try:
            self._loader.exec_module(module)
        finally:
            if saved is None:
                del sys.modules["keras"]
            else:
                sys.modules["keras"] = saved
