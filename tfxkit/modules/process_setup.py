"""What every process that runs TFX components does before anything imports them.

`tfxkit run`, each compiled Kubeflow task and each multi-worker Trainer process
make the same two choices, in one place: KerasTuner on tf_keras whenever it is
first imported (`keras_setup`), and `tfx.components`' `__init__` deferred until
something asks the package for a name (`deferred_imports`).
"""

from __future__ import annotations

from tfxkit.modules.deferred_imports import defer_tfx_components
from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner


def prepare_tfx_process() -> None:
    """Both choices; call it before the first import of a TFX component or of KerasTuner."""
    use_tf_keras_in_keras_tuner()
    defer_tfx_components()
