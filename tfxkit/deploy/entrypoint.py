"""The container entrypoint of every compiled task: TFX's kubeflow_v2_run_executor, after one setup step.

TFX's entrypoint imports `tfx.components.tuner`, which imports KerasTuner while
`keras` is Keras 3; tfxkit's Trainer and Tuner build tf_keras (Keras 2) models,
which that KerasTuner rejects, and `tfxkit.modules.keras_setup` can no longer
switch it once imported. The smoke run caught this. So KerasTuner is imported on
tf_keras first, then TFX's entrypoint runs as `__main__` with the same arguments.
"""

from __future__ import annotations

import runpy

TFX_ENTRYPOINT = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"


def main() -> None:
    from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner

    use_tf_keras_in_keras_tuner()
    runpy.run_module(TFX_ENTRYPOINT, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
