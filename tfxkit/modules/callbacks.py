"""Keras callbacks the spec asks for: stopping, plateau, budget, logging, resume."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import tf_keras as keras
from absl import logging


class LogLearningRate(keras.callbacks.Callback):
    """Adds the optimizer's current learning rate to each epoch's logs (so TensorBoard records it)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            # With a schedule, tf_keras' `optimizer.learning_rate` is the rate of the last update (the
            # schedule at iterations - 1), while TensorBoard logs the schedule at `iterations` under this
            # same key; evaluate it the same way so the epoch logs and TensorBoard agree.
            optimizer = getattr(self.model.optimizer, "inner_optimizer", self.model.optimizer)
            schedule = getattr(optimizer, "_learning_rate", None)
            if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
                rate = schedule(optimizer.iterations)
            else:
                rate = optimizer.learning_rate
            logs["learning_rate"] = float(keras.backend.get_value(rate))


class StepBudget(keras.callbacks.Callback):
    """Stops training after `max_steps` optimizer steps in all."""

    def __init__(self, max_steps: int):
        super().__init__()
        self.max_steps = max_steps

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if int(self.model.optimizer.iterations.numpy()) >= self.max_steps:
            self.model.stop_training = True


class LogEpochs(keras.callbacks.Callback):
    """One log line per epoch with every metric (the console shows only component progress)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logging.info("epoch %d: %s", epoch + 1, " ".join(f"{k}={v:.6g}" for k, v in sorted((logs or {}).items())))


class ResumeCallbackState(keras.callbacks.Callback):
    """Saves the counters of EarlyStopping and ReduceLROnPlateau with every epoch, and restores them
    when BackupAndRestore resumes an interrupted training.

    BackupAndRestore brings back the weights, the optimizer and the epoch (so a
    learning-rate schedule, which reads the optimizer's step, continues where it
    was), but not the other callbacks: a resumed EarlyStopping would start its
    patience afresh and forget the best epoch. It must come after those
    callbacks in the list, so that its `on_epoch_end` sees their updated state.
    """

    _FIELDS = ("wait", "best", "best_epoch", "stopped_epoch", "cooldown_counter")

    def __init__(self, backup_dir: str, stateful: list[keras.callbacks.Callback]):
        super().__init__()
        self._state_file = os.path.join(backup_dir, "callbacks_state.json")
        self._weights_file = os.path.join(backup_dir, "early_stopping_best_weights.npz")
        self._stateful = stateful
        self._first_epoch = True

    def _state(self, callback: keras.callbacks.Callback) -> dict[str, Any]:
        return {f: float(getattr(callback, f)) for f in self._FIELDS if hasattr(callback, f)}

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if not self._first_epoch:
            return
        self._first_epoch = False
        if epoch == 0 or not os.path.exists(self._state_file):
            return
        with open(self._state_file) as fh:
            saved = json.load(fh)
        if saved.get("epoch") != epoch - 1:  # killed between the two saves: the counters belong to another epoch
            logging.warning("tfxkit trainer: callback state is from epoch %s, training resumes after epoch %d; "
                            "EarlyStopping starts afresh", saved.get("epoch"), epoch)
            return
        for callback, state in zip(self._stateful, saved["callbacks"]):
            for field, value in state.items():
                setattr(callback, field, int(value) if field != "best" else value)
            if isinstance(callback, keras.callbacks.EarlyStopping) and os.path.exists(self._weights_file):
                with np.load(self._weights_file) as stored:
                    callback.best_weights = [stored[f"w{i}"] for i in range(len(stored.files))]
        logging.info("tfxkit trainer: resumed at epoch %d with callback state %s", epoch + 1, saved["callbacks"])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for callback in self._stateful:
            if (isinstance(callback, keras.callbacks.EarlyStopping) and callback.best_weights is not None
                    and callback.best_epoch == epoch):
                np.savez(self._weights_file + ".tmp.npz", **{f"w{i}": w for i, w in enumerate(callback.best_weights)})
                os.replace(self._weights_file + ".tmp.npz", self._weights_file)
        os.makedirs(os.path.dirname(self._state_file), exist_ok=True)
        with open(self._state_file + ".tmp", "w") as fh:
            json.dump({"epoch": epoch, "callbacks": [self._state(c) for c in self._stateful]}, fh)
        os.replace(self._state_file + ".tmp", self._state_file)

    def on_train_end(self, logs: dict | None = None) -> None:
        for path in (self._state_file, self._weights_file):
            if os.path.exists(path):
                os.remove(path)


def training_callbacks(trainer: dict[str, Any], log_dir: str, backup_dir: str | None) -> list[keras.callbacks.Callback]:
    """Callbacks for a `trainer` section; order matters: the rate is logged before TensorBoard writes."""
    callbacks: list[keras.callbacks.Callback] = []
    if backup_dir:
        # Saves every epoch; a retried Trainer with the same inputs resumes from the last one.
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=True))
    rate = trainer["learning_rate"]
    if rate["schedule"] == "reduce_on_plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=rate["monitor"], factor=rate["factor"], patience=rate["patience"], min_delta=rate["min_delta"],
            cooldown=rate["cooldown"], min_lr=rate["min_lr"], verbose=0))
    stop = trainer.get("early_stopping")
    if stop:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=stop["monitor"], mode=stop["mode"], patience=stop["patience"], min_delta=stop["min_delta"],
            restore_best_weights=stop["restore_best_weights"], verbose=0))
    stateful = [c for c in callbacks if isinstance(c, (keras.callbacks.EarlyStopping,
                                                        keras.callbacks.ReduceLROnPlateau))]
    if backup_dir and stateful:
        callbacks.append(ResumeCallbackState(backup_dir, stateful))
    if trainer.get("max_steps"):
        callbacks.append(StepBudget(trainer["max_steps"]))
    callbacks += [LogLearningRate(), LogEpochs(),
                  keras.callbacks.TensorBoard(log_dir=log_dir, update_freq="epoch")]
    return callbacks
