"""The Tuner component's tuner_fn.

The search space comes from the spec's `tuning` section (in custom_config);
each trial builds the same model the Trainer would, with the trial's values
applied by `hyperparameters.apply_hyperparameters`, on the same inputs
(`training_data.fit_inputs`). The Tuner writes the best values as a
`best_hyperparameters` artifact; the Trainer applies them the same way.
Trainer and Tuner share those parts below them and never import each other.
"""

from __future__ import annotations

import os
from typing import Any

from absl import logging

from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner

use_tf_keras_in_keras_tuner()  # before keras_tuner picks Keras 3; fails clearly if it already did

import keras_tuner  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
from tfx.components.trainer.fn_args_utils import FnArgs  # noqa: E402
from tfx.components.tuner.component import TunerFnResult  # noqa: E402

from tfxkit.modules import TRIAL_LOGS  # noqa: E402
from tfxkit.modules.hardware import make_strategy, plan_hardware, visible_gpus  # noqa: E402
from tfxkit.modules.hyperparameters import apply_hyperparameters  # noqa: E402
from tfxkit.modules.model_builder import build_model  # noqa: E402
from tfxkit.modules.training_data import fit_inputs, seed_everything  # noqa: E402

TUNERS = {
    "random": keras_tuner.RandomSearch,
    "bayesian": keras_tuner.BayesianOptimization,
    "hyperband": keras_tuner.Hyperband,
    "grid": keras_tuner.GridSearch,
}
_HIGHER_IS_BETTER = ("accuracy", "auc", "precision", "recall")


def declare(hp: keras_tuner.HyperParameters, search_space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Register the search space with KerasTuner and return this trial's values."""
    values = {}
    for name, p in sorted(search_space.items()):
        if p["type"] == "choice":
            values[name] = hp.Choice(name, p["values"])
        elif p["type"] == "int":
            values[name] = hp.Int(name, int(p["min"]), int(p["max"]), step=int(p["step"] or 1))
        else:
            values[name] = hp.Float(name, p["min"], p["max"], step=p["step"],
                                    sampling="log" if p["log"] else "linear")
    return values


def objective(config: dict[str, Any]) -> keras_tuner.Objective:
    """The declared objective, or val_accuracy (val_loss for regression); direction from the metric name."""
    tuning = config["tuning"]
    name = tuning["objective"] or ("val_loss" if config["task"] == "regression" else "val_accuracy")
    direction = tuning["direction"]
    if direction == "auto":
        direction = "max" if name.removeprefix("val_") in _HIGHER_IS_BETTER else "min"
    return keras_tuner.Objective(name, direction)


def tuner_fn(fn_args: FnArgs) -> TunerFnResult:
    """TFX Tuner entry point."""
    config = fn_args.custom_config
    tuning, trainer = config["tuning"], config["trainer"]
    # The trials train as the Trainer will (replicas, precision), but in this process: KerasTuner's own
    # distributed tuning is another setup, so trainer.workers applies to the Trainer only.
    distribution = "auto" if trainer["distribution"] == "multi_worker" else trainer["distribution"]
    plan = plan_hardware(distribution, trainer["mixed_precision"], visible_gpus(), trainer.get("cpu_replicas"))
    logging.info("tfxkit tuner hardware: %s", plan.describe())
    strategy = make_strategy(plan)
    seed = trainer.get("seed")
    seed_everything(seed)
    tft_output = tft.TFTransformOutput(fn_args.transform_graph_path)
    label_key = f"{config['label']}_xf"

    def build(hp: keras_tuner.HyperParameters):
        return build_model(tft_output, apply_hyperparameters(config, declare(hp, tuning["search_space"])))

    kwargs: dict[str, Any] = {"objective": objective(config), "directory": fn_args.working_dir,
                              "project_name": "tfxkit", "overwrite": True,
                              "seed": seed, "distribution_strategy": strategy}
    if tuning["algorithm"] == "hyperband":
        kwargs["max_epochs"] = tuning["epochs_per_trial"]
    else:
        kwargs["max_trials"] = tuning["max_trials"]
    tuner = TUNERS[tuning["algorithm"]](build, **kwargs)
    # trainer.batch_size is per replica, as in the Trainer.
    data = fit_inputs(fn_args.train_files, fn_args.eval_files, tft_output, label_key,
                      trainer["batch_size"] * strategy.num_replicas_in_sync, seed=seed)
    import tf_keras  # the Keras KerasTuner was set to use (use_tf_keras_in_keras_tuner)

    # KerasTuner gives each trial its own folder under this one (TRIAL_LOGS/<trial id>/execution0).
    board = tf_keras.callbacks.TensorBoard(log_dir=trial_log_dir(fn_args.working_dir), update_freq="epoch")
    return TunerFnResult(tuner=tuner, fit_kwargs={**data, "epochs": tuning["epochs_per_trial"], "verbose": 0,
                                                  "callbacks": [board]})


def trial_log_dir(working_dir: str) -> str:
    """Where the trials' TensorBoard logs go: into the Tuner's own tuner_results output, so they stay with
    the artifact (`tfxkit tensorboard` and the run report read them there).

    TFX hands tuner_fn only a temporary folder, <node>/.system/executor_execution/<id>/.temp/<id>/,
    deleted after the execution; that execution's outputs live at <node>/<output key>/<id>. Should TFX
    lay its folders out otherwise, the logs stay in the temporary folder (and are lost) rather than go astray.
    """
    temp = os.path.normpath(working_dir)
    parts = temp.split(os.sep)
    results = ""
    if ".system" in parts:
        at = len(parts) - 1 - parts[::-1].index(".system")
        if parts[at + 1:at + 2] == ["executor_execution"] and len(parts) > at + 2:
            results = os.path.join(os.sep.join(parts[:at]) or os.sep, "tuner_results", parts[at + 2])
    return os.path.join(results if results and os.path.isdir(results) else temp, TRIAL_LOGS)
