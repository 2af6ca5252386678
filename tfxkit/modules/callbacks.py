"""Keras callbacks the spec asks for: stopping, plateau, budget, logging, resume."""

from __future__ import annotations

from typing import Any

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
    if trainer.get("max_steps"):
        callbacks.append(StepBudget(trainer["max_steps"]))
    callbacks += [LogLearningRate(), LogEpochs(),
                  keras.callbacks.TensorBoard(log_dir=log_dir, update_freq="epoch")]
    return callbacks
