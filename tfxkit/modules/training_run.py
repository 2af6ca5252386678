"""One training under a strategy: fit the spec's model, export it with its serving signatures, record how.

The Trainer's run_fn calls it in its own process (one replica, or several
mirrored ones); with `distribution: multi_worker` each worker process calls it
under MultiWorkerMirroredStrategy (`multi_worker`). Every worker must train
and save (the save's variable reads are collective), but only the chief's
files are the Trainer's outputs: the others write to a scratch folder.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from absl import logging

from tfxkit.modules import TRAINED_CONFIG
from tfxkit.modules.callbacks import training_callbacks
from tfxkit.modules.hardware import HardwarePlan
from tfxkit.modules.model_builder import build_model
from tfxkit.modules.training_data import fit_inputs, seed_everything
from tfxkit.modules.training_job import TrainingJob
from tfxkit.modules.warm_start import initial_weights


def serving_signatures(model: keras.Model, tft_output: tft.TFTransformOutput, label: str) -> dict[str, Any]:
    """Signatures over raw serialized examples, applying the transform graph."""
    model.tft_layer = tft_output.transform_features_layer()
    raw_spec = tft_output.raw_feature_spec()
    serving_spec = {k: v for k, v in raw_spec.items() if k != label}
    feature_keys = [k for k in model.input_names]

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def serve(serialized):
        raw = tf.io.parse_example(serialized, serving_spec)
        transformed = model.tft_layer(raw)
        return {"outputs": model({k: transformed[k] for k in feature_keys})}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def transform_features(serialized):
        raw = tf.io.parse_example(serialized, raw_spec)
        return model.tft_layer(raw)

    return {"serving_default": serve, "transform_features": transform_features}


def train_and_export(job: TrainingJob, plan: HardwarePlan, strategy: tf.distribute.Strategy) -> None:
    """Fit under `strategy` (made from `plan`, precision policy set), save the SavedModel and the trained config."""
    config, trainer = job.config, job.config["trainer"]
    label_key = f"{config['label']}_xf"
    seed_everything(trainer.get("seed"))
    # trainer.batch_size is per replica; Keras splits each global batch across the replicas, and a step
    # (what the learning-rate schedule and max_steps count) is one global batch.
    batch_size = trainer["batch_size"] * strategy.num_replicas_in_sync
    logging.info("tfxkit trainer: global batch %d (%d per replica x %d replica(s))", batch_size,
                 trainer["batch_size"], strategy.num_replicas_in_sync)
    tft_output = tft.TFTransformOutput(job.transform_output)

    data = fit_inputs(job.train_files, job.eval_files, tft_output, label_key, batch_size,
                      seed=trainer.get("seed"))

    with strategy.scope():
        model = build_model(tft_output, config)
        started_from = initial_weights(model, trainer, job.base_model)
    model.summary(print_fn=logging.info)
    logging.info("tfxkit trainer: ran policy %s (%s), optimizer %s", model.dtype_policy.name, plan.why,
                 type(model.optimizer).__name__)  # LossScaleOptimizer under mixed_float16: compile wraps it
    callbacks = training_callbacks(trainer, job.model_run_dir, job.resume_dir)
    started = time.monotonic()
    history = model.fit(**data, epochs=trainer["epochs"], callbacks=callbacks, verbose=0)
    seconds = time.monotonic() - started
    # The trained layers keep their policy. Back to float32 before the transform layer is made: under a mixed
    # policy Keras would cast its float inputs to the mixed type, which the transform graph (float32) refuses;
    # and the local runner's process goes on (the Evaluator).
    keras.mixed_precision.set_global_policy("float32")
    signatures = serving_signatures(model, tft_output, config["label"])
    model.save(job.serving_model_dir, save_format="tf", signatures=signatures)
    # What was actually trained (declared values with tuned ones applied) and how it went, for audits:
    # the runner records this file in ML Metadata on the Model artifact.
    with tf.io.gfile.GFile(os.path.join(job.model_run_dir, TRAINED_CONFIG), "w") as fh:
        fh.write(json.dumps({
            "model": config["model"], "trainer": config["trainer"], "hyperparameters": job.hyperparameters,
            "training": training_summary(history, callbacks, trainer["epochs"], seconds), "warm_start": started_from,
            "hardware": plan.record(trainer["batch_size"]),
        }, indent=2, sort_keys=True))


def training_summary(history: keras.callbacks.History, callbacks: list, max_epochs: int,
                     seconds: float) -> dict[str, Any]:
    """Epochs actually run, where early stopping ended training, time, and the last epoch's metrics."""
    epochs_run = history.epoch[-1] + 1 if history.epoch else 0  # epochs count from 0, resumed ones included
    stopper = next((c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)), None)
    stopped = stopper is not None and stopper.stopped_epoch > 0
    return {
        "epochs_run": epochs_run,
        "max_epochs": max_epochs,
        "early_stopped_at_epoch": stopper.stopped_epoch + 1 if stopped else None,
        "best_epoch": (stopper.best_epoch + 1) if stopper is not None and stopped else None,
        "seconds": round(seconds, 2),
        "final": {k: float(v[-1]) for k, v in history.history.items() if v},
    }
