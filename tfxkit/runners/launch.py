"""Launch a pipeline with TFX's own runner (LocalDagRunner, or BeamDagRunner for `--runner beam`).

Only the process is prepared here (quiet logs, the Keras choice) and the run
named by us; what the run did is read afterwards from MLMD (`outcome`).
"""

from __future__ import annotations

import os
import secrets
import time
import warnings


def prepare_process(verbose: bool = False) -> None:
    """Quiet TensorFlow's C++ logs and pin tf.keras to Keras 2 before TensorFlow loads.

    tensorflow_transform sets TF_USE_LEGACY_KERAS=1 when it is imported, so
    what tf.keras means would otherwise depend on import order. Nothing heavy
    is imported here: an up-to-date run never loads TensorFlow.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if verbose else "3")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    if not verbose:
        os.environ.setdefault("PYTHONWARNINGS", "ignore")  # Beam worker processes inherit it
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning)


def new_run_id() -> str:
    """A run id that is unique even when several runs start at once on one store: time + random suffix."""
    return time.strftime("%Y%m%d-%H%M%S-", time.localtime()) + secrets.token_hex(2)


def launch(tfx_pipeline, runner: str, run_id: str) -> None:
    """Run the pipeline with TFX's runner under our own run id.

    TFX names a run by the time it started; two runs started in the same
    instant on one store would share a name, and the runner could not tell its
    run from another's afterwards. Compiling here and substituting the run id
    before TFX does makes the id ours: the report and the audit read this run.
    """
    from tfx.dsl.compiler import constants
    from tfx.orchestration.portable import runtime_parameter_utils, tfx_runner

    ir = tfx_runner._make_pipeline_proto(tfx_pipeline)  # what IrBasedRunner.run does: pip deps, then compile
    runtime_parameter_utils.substitute_runtime_parameter(ir, {constants.PIPELINE_RUN_ID_PARAMETER_NAME: run_id})
    if runner == "beam":
        from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

        BeamDagRunner().run_with_ir(ir)
    else:
        from tfx.orchestration.local.local_dag_runner import LocalDagRunner

        LocalDagRunner().run_with_ir(ir)
