"""The Trainer component's run_fn: train the spec's model on Transform's output.

Writes TensorBoard logs to the model_run output and saves a SavedModel with
two signatures: `serving_default` (raw serialized tf.Examples in, predictions
out, the transform graph inside) and `transform_features` (used by the
Evaluator to get the transformed label). The training itself is
`training_run.train_and_export`, here or, for `distribution: multi_worker`,
in worker processes (`multi_worker`).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner

use_tf_keras_in_keras_tuner()  # before keras_tuner picks Keras 3; fails clearly if it already did

from absl import logging  # noqa: E402
from tfx.components.trainer.fn_args_utils import FnArgs  # noqa: E402

from tfxkit.modules.hardware import make_strategy, plan_hardware, visible_gpus  # noqa: E402
from tfxkit.modules.hyperparameters import apply_hyperparameters  # noqa: E402
from tfxkit.modules.multi_worker import run_workers  # noqa: E402
from tfxkit.modules.training_job import TrainingJob  # noqa: E402
from tfxkit.modules.training_run import train_and_export  # noqa: E402


def resume_dir(fn_args: FnArgs) -> str:
    """A checkpoint folder that is the same for every execution with the same inputs and config.

    Each Trainer execution gets fresh output folders, so the backup lives beside
    them, keyed by what determines the training: a retried execution finds the
    previous attempt's last epoch, a changed input starts afresh.
    """
    key = hashlib.sha256(json.dumps([fn_args.custom_config, sorted(fn_args.train_files), sorted(fn_args.eval_files),
                                     fn_args.transform_output], sort_keys=True).encode()).hexdigest()[:16]
    trainer_dir = os.path.dirname(os.path.dirname(os.path.abspath(fn_args.model_run_dir)))
    return os.path.join(trainer_dir, ".resume", key)


def run_fn(fn_args: FnArgs) -> None:
    """TFX Trainer entry point."""
    config = fn_args.custom_config
    best: dict[str, Any] = {}
    if fn_args.hyperparameters:
        import keras_tuner  # only tuned runs pay for its import

        best = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters).values
        logging.info("tfxkit trainer: tuned hyperparameters %s", best)
        config = apply_hyperparameters(config, best)
    trainer = config["trainer"]
    plan = plan_hardware(trainer["distribution"], trainer["mixed_precision"], visible_gpus(),
                         trainer.get("cpu_replicas"), trainer.get("workers"))
    logging.info("tfxkit trainer hardware: %s", plan.describe())
    job = TrainingJob(config, best, list(fn_args.train_files), list(fn_args.eval_files), fn_args.transform_output,
                      fn_args.serving_model_dir, fn_args.model_run_dir, fn_args.base_model, resume_dir(fn_args))
    if plan.strategy == "multi_worker":  # worker processes of their own: this process's devices cannot take part
        run_workers(job, plan.replicas)
        return
    # First: with cpu_replicas the CPU is split before anything below initialises TensorFlow's devices.
    strategy = make_strategy(plan)
    train_and_export(job, plan, strategy)
