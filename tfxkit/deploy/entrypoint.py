"""The container entrypoint of every compiled task: TFX's kubeflow_v2_run_executor, after one setup step.

TFX's entrypoint imports `tfx.components.tuner`, which imports KerasTuner while
`keras` is Keras 3; tfxkit's Trainer and Tuner build tf_keras (Keras 2) models,
which that KerasTuner rejects, and `tfxkit.modules.keras_setup` can no longer
switch it once imported. The smoke run caught this. So KerasTuner is set on
tf_keras first, then TFX's entrypoint runs as `__main__` with the same arguments.

TFX's entrypoint imports the Evaluator's executor, and with it `tfx.components`'
`__init__`: all sixteen components, KerasTuner and InfraValidator's clients among
them, in every task. It is deferred as in `tfxkit run`
(`tfxkit.modules.process_setup`), so a task imports the component it runs.
"""

from __future__ import annotations

import runpy

TFX_ENTRYPOINT = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"


def main() -> None:
    from tfxkit.modules.process_setup import prepare_tfx_process

    prepare_tfx_process()
    runpy.run_module(TFX_ENTRYPOINT, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
