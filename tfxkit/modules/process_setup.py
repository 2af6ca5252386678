"""What every process that runs TFX components does before anything imports them.

`tfxkit run`, each compiled Kubeflow task and each multi-worker Trainer process
make the same choices, in one place: KerasTuner on tf_keras whenever it is first
imported (`keras_setup`); `tfx.components`' `__init__` and the Google Cloud clients
Beam imports deferred until something asks them for a name (`deferred_imports`);
Beam's DoFn introspection asked once per function (`beam_introspection`).
"""

from __future__ import annotations

from tfxkit.modules.beam_introspection import memoize_dofn_introspection
from tfxkit.modules.deferred_imports import defer_imports
from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner


def prepare_tfx_process() -> None:
    """Every choice; call it before the first import of a TFX component, of Beam or of KerasTuner."""
    use_tf_keras_in_keras_tuner()
    defer_imports()
    memoize_dofn_introspection()  # imports Beam, after the deferrals
