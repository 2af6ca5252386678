"""The Trainer component's run_fn: train the spec's model on Transform's output.

Writes TensorBoard logs to the model_run output and saves a SavedModel with
two signatures: `serving_default` (raw serialized tf.Examples in, predictions
out, the transform graph inside) and `transform_features` (used by the
Evaluator to get the transformed label).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any

from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner

use_tf_keras_in_keras_tuner()  # before keras_tuner picks Keras 3; fails clearly if it already did

import keras_tuner  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
import tf_keras as keras  # noqa: E402
from absl import logging  # noqa: E402
from tfx.components.trainer.fn_args_utils import FnArgs  # noqa: E402

from tfxkit.modules import TRAINED_CONFIG  # noqa: E402
from tfxkit.modules.callbacks import training_callbacks  # noqa: E402
from tfxkit.modules.hardware import make_strategy, plan_hardware, visible_gpus  # noqa: E402
from tfxkit.modules.hyperparameters import apply_hyperparameters  # noqa: E402
from tfxkit.modules.model_builder import build_model  # noqa: E402
from tfxkit.modules.training_data import fit_inputs, seed_everything  # noqa: E402
from tfxkit.modules.warm_start import initial_weights  # noqa: E402


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
        best = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters).values
        logging.info("tfxkit trainer: tuned hyperparameters %s", best)
        config = apply_hyperparameters(config, best)
    trainer = config["trainer"]
    label_key = f"{config['label']}_xf"
    plan = plan_hardware(trainer["distribution"], trainer["mixed_precision"], visible_gpus())
    logging.info("tfxkit trainer hardware: %s", plan.describe())
    seed_everything(trainer.get("seed"))
    strategy = make_strategy(plan)
    batch_size = trainer["batch_size"] * strategy.num_replicas_in_sync
    tft_output = tft.TFTransformOutput(fn_args.transform_output)

    data = fit_inputs(fn_args.train_files, fn_args.eval_files, fn_args.data_accessor, tft_output, label_key,
                      batch_size, seed=trainer.get("seed"))

    with strategy.scope():
        model = build_model(tft_output, config)
        started_from = initial_weights(model, trainer, fn_args.base_model)
    model.summary(print_fn=logging.info)
    callbacks = training_callbacks(trainer, fn_args.model_run_dir, resume_dir(fn_args))
    started = time.monotonic()
    history = model.fit(**data, epochs=trainer["epochs"], callbacks=callbacks, verbose=0)
    seconds = time.monotonic() - started
    signatures = serving_signatures(model, tft_output, config["label"])
    model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    # What was actually trained (declared values with tuned ones applied) and how it went, for audits:
    # the runner records this file in ML Metadata on the Model artifact.
    with tf.io.gfile.GFile(os.path.join(fn_args.model_run_dir, TRAINED_CONFIG), "w") as fh:
        fh.write(json.dumps({
            "model": config["model"], "trainer": config["trainer"], "hyperparameters": best,
            "training": training_summary(history, callbacks, trainer["epochs"], seconds), "warm_start": started_from,
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
