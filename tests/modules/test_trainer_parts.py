"""The Trainer's parts without a pipeline: schedules, callbacks, optimizer options (hardware: test_hardware.py).

Configs are built the way production builds them: a small spec validated by
the pydantic models and dumped to plain dicts (`PipelineSpec.model_dump()["trainer"]`).
Expected learning rates come from the textbook formulas written out below in
plain Python, never from Keras.
"""

from __future__ import annotations

import glob
import math
import os

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from tfxkit.config.sections.trainer import TrainerSection
from tfxkit.config.spec import PipelineSpec
from tfxkit.modules.callbacks import LogLearningRate, StepBudget, training_callbacks
from tfxkit.modules.hardware import make_strategy, plan_hardware
from tfxkit.modules.model_builder import make_optimizer
from tfxkit.modules.schedules import WarmUp, learning_rate

# ---------------------------------------------------------------------------------------------------------------
# Helpers


def trainer_config(**section) -> dict:
    """The `trainer` dict the Trainer receives, from a minimal whole spec with this trainer section."""
    spec = PipelineSpec.model_validate({
        "pipeline": {"name": "unit", "root": "/tmp/unit"},
        "data": {"path": "data.csv", "label": "y"},
        "transform": {"features": {"x": "zscore"}},
        "model": {"task": "regression"},
        "trainer": section,
    })
    return spec.model_dump()["trainer"]


def rate_config(rate: dict) -> dict:
    return TrainerSection.model_validate({"learning_rate": rate}).model_dump()["learning_rate"]


def textbook_rate(cfg: dict, step: int) -> float:
    """The learning rate at optimizer step `step` for a `trainer.learning_rate` dict, from the formulas."""
    kind = cfg["schedule"]
    initial = cfg["values"][0] if kind == "piecewise" else cfg["initial"]
    warmup = cfg.get("warmup_steps", 0)
    if warmup and step < warmup:
        return initial * step / warmup
    s = step - warmup
    if kind in ("constant", "reduce_on_plateau"):
        return initial
    if kind == "exponential":
        exponent = s / cfg["decay_steps"]
        if cfg["staircase"]:
            exponent = math.floor(exponent)
        return initial * cfg["decay_rate"] ** exponent
    if kind == "piecewise":
        # values[i] while boundaries[i-1] < s <= boundaries[i].
        for boundary, value in zip(cfg["boundaries"], cfg["values"]):
            if s <= boundary:
                return value
        return cfg["values"][-1]
    if kind == "cosine":
        d, alpha = cfg["decay_steps"], cfg["alpha"]
        s = min(s, d)
        return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / d)) + alpha)
    if kind == "cosine_restarts":
        # SGDR: periods of first, first*t_mul, first*t_mul^2, ...; the i-th restart peaks at m_mul^i.
        start, period, restarts = 0.0, float(cfg["first_decay_steps"]), 0
        while s >= start + period:
            start += period
            period *= cfg["t_mul"]
            restarts += 1
        alpha = cfg["alpha"]
        cosine = 0.5 * cfg["m_mul"] ** restarts * (1 + math.cos(math.pi * (s - start) / period))
        return initial * ((1 - alpha) * cosine + alpha)
    if kind == "polynomial":
        d, end, power = cfg["decay_steps"], cfg["end_learning_rate"], cfg["power"]
        if cfg["cycle"]:
            d = d * max(1, math.ceil(s / d))
        else:
            s = min(s, d)
        return (initial - end) * (1 - s / d) ** power + end
    raise AssertionError(kind)


SCHEDULES = {
    "constant": {"schedule": "constant", "initial": 0.1},
    "exponential": {"schedule": "exponential", "initial": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "exponential_staircase": {"schedule": "exponential", "initial": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                              "staircase": True},
    "piecewise": {"schedule": "piecewise", "boundaries": [5, 12], "values": [0.1, 0.05, 0.01]},
    "cosine": {"schedule": "cosine", "initial": 0.1, "decay_steps": 10, "alpha": 0.1},
    "cosine_restarts": {"schedule": "cosine_restarts", "initial": 0.1, "first_decay_steps": 4, "t_mul": 2.0,
                        "m_mul": 0.5, "alpha": 0.05},
    "cosine_restarts_t1": {"schedule": "cosine_restarts", "initial": 0.1, "first_decay_steps": 5, "t_mul": 1.0,
                           "m_mul": 0.9},
    "polynomial": {"schedule": "polynomial", "initial": 0.1, "decay_steps": 10, "end_learning_rate": 0.01,
                   "power": 2.0},
    "polynomial_cycle": {"schedule": "polynomial", "initial": 0.1, "decay_steps": 10, "end_learning_rate": 0.01,
                         "power": 0.5, "cycle": True},
}
DECAY = 10  # the period of every schedule above, roughly
WARMUPS = [0, 8]


def steps_to_check(warmup: int) -> list[int]:
    later = [1, 3, DECAY // 2, DECAY - 1, DECAY, DECAY + 1, 2 * DECAY + 3, 5 * DECAY, 37 * DECAY + 1]
    return sorted({0, 1, warmup // 2, warmup, warmup + 1} | {warmup + s for s in later})


def evaluate(rate, step: int) -> float:
    return float(rate(step)) if callable(rate) else float(rate)


def tiny_model(trainer: dict, init: float = 0.0) -> keras.Model:
    """y = w * x, one weight, compiled with the spec's optimizer."""
    inp = keras.Input(shape=(1,))
    out = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(init))(inp)
    model = keras.Model(inp, out)
    model.compile(optimizer=make_optimizer(trainer), loss="mse")
    return model


def weight(model: keras.Model) -> float:
    return float(model.get_weights()[0].ravel()[0])


class RecordLearningRate(keras.callbacks.Callback):
    """The rate in effect during each epoch (read when the epoch begins)."""

    def __init__(self):
        super().__init__()
        self.rates: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.backend.get_value(self.model.optimizer.learning_rate)))


class RecordWeights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.at_begin: list[float] = []
        self.per_epoch: list[float] = []

    def on_train_begin(self, logs=None):
        self.at_begin.append(weight(self.model))

    def on_epoch_end(self, epoch, logs=None):
        self.per_epoch.append(weight(self.model))


@pytest.fixture(autouse=True)
def _fresh_keras():
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    yield
    keras.mixed_precision.set_global_policy("float32")


# ---------------------------------------------------------------------------------------------------------------
# Learning-rate schedules


@pytest.mark.parametrize("warmup", WARMUPS)
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_textbook_formula(name, warmup):
    cfg = rate_config({**SCHEDULES[name], "warmup_steps": warmup})
    rate = learning_rate(cfg)
    assert isinstance(rate, WarmUp) == bool(warmup)
    for step in steps_to_check(warmup):
        assert evaluate(rate, step) == pytest.approx(textbook_rate(cfg, step), rel=1e-5, abs=1e-8), step


def test_warmup_shape():
    cfg = rate_config({"schedule": "cosine", "initial": 0.2, "decay_steps": 100, "warmup_steps": 10})
    rate = learning_rate(cfg)
    assert evaluate(rate, 0) == 0.0
    assert evaluate(rate, 5) == pytest.approx(0.1)
    assert evaluate(rate, 10) == pytest.approx(0.2)  # the schedule's own start, right after warm-up
    assert evaluate(rate, 110) == pytest.approx(0.0, abs=1e-9)  # fully decayed 100 steps after warm-up


def test_reduce_on_plateau_starts_as_a_constant():
    cfg = rate_config({"schedule": "reduce_on_plateau", "initial": 0.03})
    assert learning_rate(cfg) == 0.03


def test_number_short_form_is_constant():
    cfg = trainer_config(learning_rate=0.02)["learning_rate"]
    assert cfg["schedule"] == "constant" and learning_rate(cfg) == 0.02


@pytest.mark.parametrize("warmup", WARMUPS)
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_optimizer_applies_schedule_step_by_step(name, warmup):
    """Plain SGD with gradient 1 moves a variable by exactly the rate used for that update.

    The k-th update (k = 1, 2, ...) uses the schedule at step k-1 (tf_keras evaluates it at
    `optimizer.iterations` *before* incrementing). After k updates `optimizer.learning_rate` is the
    rate of the last update, i.e. the schedule at k-1, one step behind `schedule(optimizer.iterations)`.
    """
    trainer = trainer_config(optimizer="sgd", learning_rate={**SCHEDULES[name], "warmup_steps": warmup})
    cfg = trainer["learning_rate"]
    optimizer = make_optimizer(trainer)
    var = tf.Variable(0.0)
    total = warmup + 2 * DECAY + 3
    for k in range(1, total + 1):
        var.assign(0.0)
        optimizer.apply_gradients([(tf.constant(1.0), var)])
        assert -float(var.numpy()) == pytest.approx(textbook_rate(cfg, k - 1), rel=1e-5, abs=1e-8), k
    assert int(optimizer.iterations.numpy()) == total
    current = float(keras.backend.get_value(optimizer.learning_rate))
    assert current == pytest.approx(textbook_rate(cfg, total - 1), rel=1e-5, abs=1e-8)
    if warmup or name != "constant":
        schedule = optimizer._learning_rate  # what TensorBoard and LogLearningRate evaluate
        assert float(schedule(optimizer.iterations)) == pytest.approx(textbook_rate(cfg, total), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_warmup_config_round_trip(name):
    cfg = rate_config({**SCHEDULES[name], "warmup_steps": 8})
    rate = learning_rate(cfg)
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(rate))
    assert isinstance(again, WarmUp)
    for step in steps_to_check(8):
        assert evaluate(again, step) == pytest.approx(textbook_rate(cfg, step), rel=1e-5, abs=1e-8), step


def test_saved_model_with_warmup_reloads(tmp_path):
    """The Trainer saves with save_format="tf"; keras.models.load_model must rebuild the optimizer's schedule."""
    trainer = trainer_config(optimizer="sgd", learning_rate={**SCHEDULES["cosine"], "warmup_steps": 8})
    model = tiny_model(trainer)
    model.fit(np.ones((4, 1), np.float32), np.ones((4, 1), np.float32), epochs=1, verbose=0)
    model.save(str(tmp_path / "model"), save_format="tf")
    restored = keras.models.load_model(str(tmp_path / "model"))
    schedule = restored.optimizer._learning_rate
    assert isinstance(schedule, WarmUp)
    assert float(schedule(12)) == pytest.approx(textbook_rate(trainer["learning_rate"], 12), rel=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# Optimizer options


def test_sgd_momentum_nesterov():
    opt = make_optimizer(trainer_config(optimizer={"name": "sgd", "momentum": 0.9, "nesterov": True}))
    assert isinstance(opt, keras.optimizers.SGD)
    assert opt.momentum == pytest.approx(0.9) and opt.nesterov is True
    assert opt.jit_compile is False


def test_adamw_weight_decay_and_default():
    opt = make_optimizer(trainer_config(optimizer={"name": "adamw", "weight_decay": 0.01}))
    assert isinstance(opt, keras.optimizers.AdamW) and opt.weight_decay == pytest.approx(0.01)
    assert make_optimizer(trainer_config(optimizer="adamw")).weight_decay == pytest.approx(0.004)


def test_clipnorm_and_clipvalue():
    opt = make_optimizer(trainer_config(optimizer={"name": "adam", "clipnorm": 1.5}))
    assert isinstance(opt, keras.optimizers.Adam)
    assert opt.clipnorm == pytest.approx(1.5) and opt.clipvalue is None
    opt = make_optimizer(trainer_config(optimizer={"name": "rmsprop", "momentum": 0.5, "clipvalue": 0.25}))
    assert isinstance(opt, keras.optimizers.RMSprop)
    assert opt.momentum == pytest.approx(0.5) and opt.clipvalue == pytest.approx(0.25) and opt.clipnorm is None


def test_default_optimizer_is_adam_at_1e_3():
    opt = make_optimizer(trainer_config())
    assert isinstance(opt, keras.optimizers.Adam)
    assert float(keras.backend.get_value(opt.learning_rate)) == pytest.approx(0.001)


def test_clipnorm_clips_the_update():
    opt = make_optimizer(trainer_config(optimizer={"name": "sgd", "clipnorm": 1.0}, learning_rate=0.1))
    var = tf.Variable([0.0, 0.0])
    opt.apply_gradients([(tf.constant([30.0, 40.0]), var)])  # norm 50 -> clipped to norm 1
    np.testing.assert_allclose(var.numpy(), [-0.06, -0.08], rtol=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# Callbacks


def plateau_rates(losses, initial, factor, patience, min_delta, cooldown, min_lr) -> list[float]:
    """The rate in effect during each epoch, for the given per-epoch monitored losses (mode min).

    After an epoch: an improvement is a loss below best - min_delta; after `patience` epochs in a
    row without one (not counting cooldown epochs), the rate is multiplied by `factor`, never below
    `min_lr`, and a cooldown of `cooldown` epochs starts.
    """
    rate, best, wait, cooling, rates = initial, math.inf, 0, 0, []
    for loss in losses:
        rates.append(rate)
        if cooling:
            cooling -= 1
            wait = 0
        if loss < best - min_delta:
            best, wait = loss, 0
        elif not cooling:
            wait += 1
            if wait >= patience:
                if rate > min_lr:
                    rate = max(rate * factor, min_lr)
                    cooling = cooldown
                wait = 0
    rates.append(rate)  # after the last epoch
    return rates


def test_reduce_on_plateau_in_a_real_fit(tmp_path):
    trainer = trainer_config(optimizer="sgd", learning_rate={
        "schedule": "reduce_on_plateau", "initial": 0.1, "factor": 0.5, "patience": 2, "min_lr": 0.02})
    model = tiny_model(trainer)  # w = 0 on y = 0: the loss stays exactly 0, a perfect plateau
    x, y = np.ones((16, 1), np.float32), np.zeros((16, 1), np.float32)
    record = RecordLearningRate()
    history = model.fit(x, y, validation_data=(x, y), epochs=10, batch_size=8, verbose=0,
                        callbacks=[record] + training_callbacks(trainer, str(tmp_path / "logs"), None))
    assert history.history["val_loss"] == [0.0] * 10
    expected = plateau_rates([0.0] * 10, 0.1, 0.5, 2, 1e-4, 0, 0.02)
    np.testing.assert_allclose(record.rates, expected[:-1], rtol=1e-6)
    assert record.rates == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02])
    assert min(record.rates) >= np.float32(0.02)  # never below min_lr (the rate is a float32 variable)
    # logs["learning_rate"] is the rate after the epoch's reduction (the one the next epoch uses)
    np.testing.assert_allclose(history.history["learning_rate"], expected[1:], rtol=1e-6)


@pytest.mark.parametrize("cooldown", [0, 1])
def test_reduce_on_plateau_driven(cooldown):
    trainer = trainer_config(learning_rate={
        "schedule": "reduce_on_plateau", "initial": 0.8, "factor": 0.25, "patience": 2, "min_delta": 0.01,
        "cooldown": cooldown, "min_lr": 0.01})
    model = tiny_model(trainer)
    model.optimizer.build(model.trainable_variables)
    [plateau] = [c for c in training_callbacks(trainer, "/unused", None)
                 if isinstance(c, keras.callbacks.ReduceLROnPlateau)]
    plateau.set_model(model)
    plateau.on_train_begin()
    # improves, stalls (0.995 is within min_delta), improves, stalls for a long time
    losses = [1.0, 0.9, 0.895, 0.9, 0.95, 0.5, 0.5, 0.5, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    seen = [float(keras.backend.get_value(model.optimizer.learning_rate))]
    for epoch, loss in enumerate(losses):
        plateau.on_epoch_end(epoch, {"val_loss": loss})
        seen.append(float(keras.backend.get_value(model.optimizer.learning_rate)))
    expected = plateau_rates(losses, 0.8, 0.25, 2, 0.01, cooldown, 0.01)
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    assert seen[-1] == pytest.approx(0.01) and min(seen) >= 0.01 * (1 - 1e-6)
    # the first reduction comes after `patience` epochs without improvement (epochs 2 and 3)
    assert seen[:5] == pytest.approx([0.8, 0.8, 0.8, 0.8, 0.2])


def overfitting_fit(tmp_path, restore: bool, epochs: int = 50):
    """w moves from 0 towards 2 (the training target) and passes 1 (the validation target).

    Full-batch SGD with rate 0.05 on loss (w - 2)^2 gives w_e = 2 (1 - 0.9^e): the validation loss
    (w - 1)^2 falls until w is near 1 (after epoch 7) and rises after that.
    """
    trainer = trainer_config(optimizer="sgd", learning_rate=0.05, epochs=epochs,
                             early_stopping={"patience": 3, "restore_best_weights": restore})
    model = tiny_model(trainer)
    x = np.ones((8, 1), np.float32)
    record = RecordWeights()
    history = model.fit(x, 2 * x, validation_data=(x, x), epochs=trainer["epochs"], batch_size=8, shuffle=False,
                        verbose=0, callbacks=[record] + training_callbacks(trainer, str(tmp_path / "logs"), None))
    return model, history, record, trainer


def test_early_stopping_restores_best_weights(tmp_path):
    model, history, record, trainer = overfitting_fit(tmp_path, restore=True)
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert 0 < best < len(val) - 1 and val[-1] > val[best]  # improved, then got worse
    patience = trainer["early_stopping"]["patience"]
    assert len(val) == best + patience + 1 < trainer["epochs"]  # stopped `patience` epochs after the best
    assert all(v > val[best] for v in val[best + 1:])
    # the textbook trajectory: w_e = 2 (1 - 0.9^(e+1)) after epoch e (0-based)
    np.testing.assert_allclose(record.per_epoch, [2 * (1 - 0.9 ** (e + 1)) for e in range(len(val))], rtol=1e-5)
    assert best == 6
    assert weight(model) == record.per_epoch[best]
    assert weight(model) != record.per_epoch[-1]


def test_early_stopping_without_restore_keeps_last_weights(tmp_path):
    model, history, record, _ = overfitting_fit(tmp_path, restore=False)
    assert len(history.epoch) == 10
    assert weight(model) == record.per_epoch[-1]


def test_no_early_stopping_runs_all_epochs(tmp_path):
    trainer = trainer_config(optimizer="sgd", learning_rate=0.05, epochs=12)
    model = tiny_model(trainer)
    x = np.ones((8, 1), np.float32)
    history = model.fit(x, 2 * x, validation_data=(x, x), epochs=12, batch_size=8, verbose=0,
                        callbacks=training_callbacks(trainer, str(tmp_path / "logs"), None))
    assert len(history.epoch) == 12
    assert not any(isinstance(c, keras.callbacks.EarlyStopping) for c in training_callbacks(trainer, "/x", None))


@pytest.mark.parametrize("max_steps,epochs_run", [(7, 2), (8, 2), (1, 1), (40, 10)])
def test_step_budget(tmp_path, max_steps, epochs_run):
    trainer = trainer_config(optimizer="sgd", learning_rate=0.01, epochs=10, max_steps=max_steps)
    callbacks = training_callbacks(trainer, str(tmp_path / "logs"), None)
    assert [c.max_steps for c in callbacks if isinstance(c, StepBudget)] == [max_steps]
    model = tiny_model(trainer)
    x = np.ones((40, 1), np.float32)
    history = model.fit(x, x, epochs=10, batch_size=10, verbose=0, callbacks=callbacks)  # 4 steps per epoch
    assert int(model.optimizer.iterations.numpy()) == min(max_steps, 40)
    assert len(history.epoch) == epochs_run


def read_scalars(folder: str, tag: str) -> dict[int, float]:
    values = {}
    for path in sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return values


@pytest.mark.parametrize("rate", [
    {"schedule": "exponential", "initial": 0.1, "decay_steps": 3, "decay_rate": 0.5, "warmup_steps": 2},
    {"schedule": "piecewise", "boundaries": [4, 9], "values": [0.1, 0.05, 0.01]},
    {"schedule": "constant", "initial": 0.02},
], ids=["exponential_warmup", "piecewise", "constant"])
def test_learning_rate_in_tensorboard(tmp_path, rate):
    """Per epoch, TensorBoard's `epoch_learning_rate` is the schedule at the step count reached."""
    trainer = trainer_config(optimizer="sgd", learning_rate=rate, epochs=5)
    cfg = trainer["learning_rate"]
    log_dir = str(tmp_path / "logs")
    callbacks = training_callbacks(trainer, log_dir, None)
    names = [type(c).__name__ for c in callbacks]
    assert names.index("LogLearningRate") < names.index("TensorBoard")
    model = tiny_model(trainer)
    x = np.ones((30, 1), np.float32)
    history = model.fit(x, x, validation_data=(x, x), epochs=5, batch_size=10, verbose=0, callbacks=callbacks)
    steps_per_epoch = 3
    expected = [textbook_rate(cfg, steps_per_epoch * (e + 1)) for e in range(5)]
    logged = read_scalars(os.path.join(log_dir, "train"), "epoch_learning_rate")
    assert sorted(logged) == list(range(5))
    np.testing.assert_allclose([logged[e] for e in range(5)], expected, rtol=1e-5)
    # LogLearningRate puts the same numbers in the epoch logs (History, LogEpochs)
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-5)


def test_log_learning_rate_under_plateau_reduction(tmp_path):
    trainer = trainer_config(optimizer="sgd", learning_rate={
        "schedule": "reduce_on_plateau", "initial": 0.1, "factor": 0.5, "patience": 1})
    log_dir = str(tmp_path / "logs")
    model = tiny_model(trainer)
    x, y = np.ones((8, 1), np.float32), np.zeros((8, 1), np.float32)
    model.fit(x, y, validation_data=(x, y), epochs=4, batch_size=8, verbose=0,
              callbacks=training_callbacks(trainer, log_dir, None))
    logged = read_scalars(os.path.join(log_dir, "train"), "epoch_learning_rate")
    # patience 1 on a flat loss: halved after every epoch but the first
    np.testing.assert_allclose([logged[e] for e in range(4)], [0.1, 0.05, 0.025, 0.0125], rtol=1e-6)
    assert any(isinstance(c, LogLearningRate) for c in training_callbacks(trainer, log_dir, None))


# ---------------------------------------------------------------------------------------------------------------
# Resume


class CrashAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


def test_backup_and_restore_resumes_after_a_crash(tmp_path):
    trainer = trainer_config(optimizer="sgd", learning_rate=0.05, epochs=6)
    backup = str(tmp_path / "resume")
    x = np.ones((40, 1), np.float32)
    first, record = tiny_model(trainer), RecordWeights()
    with pytest.raises(RuntimeError, match="simulated crash"):
        first.fit(x, 2 * x, epochs=6, batch_size=10, verbose=0, shuffle=False,
                  callbacks=training_callbacks(trainer, str(tmp_path / "logs1"), backup)
                  + [record, CrashAfterEpoch(2)])  # crashes at the end of the 3rd epoch
    assert len(record.per_epoch) == 3 and os.listdir(backup)

    second, resumed = tiny_model(trainer), RecordWeights()
    history = second.fit(x, 2 * x, epochs=6, batch_size=10, verbose=0, shuffle=False,
                         callbacks=training_callbacks(trainer, str(tmp_path / "logs2"), backup) + [resumed])
    assert history.epoch == [3, 4, 5]
    assert resumed.at_begin == [record.per_epoch[-1]]  # started from the checkpoint, not from w = 0
    assert int(second.optimizer.iterations.numpy()) == 6 * 4
    # an uninterrupted run ends in the same place
    fresh = tiny_model(trainer)
    fresh.fit(x, 2 * x, epochs=6, batch_size=10, verbose=0, shuffle=False)
    assert weight(second) == pytest.approx(weight(fresh), rel=1e-6)
    assert not os.path.exists(backup) or not os.listdir(backup)  # deleted after a finished fit


def test_a_resumed_training_keeps_early_stopping_state(tmp_path):
    """Crash after epoch 8 of the overfitting fit (best epoch 7, one epoch of patience used): the resumed
    fit must stop where an uninterrupted one stops (epoch 10) and restore the best epoch's weights, not
    start its patience afresh (stopping at epoch 12) nor restore a post-resume epoch."""
    trainer = trainer_config(optimizer="sgd", learning_rate=0.05, epochs=50,
                             early_stopping={"patience": 3, "restore_best_weights": True})
    backup = str(tmp_path / "resume")
    x = np.ones((8, 1), np.float32)
    fit = dict(x=x, y=2 * x, validation_data=(x, x), epochs=50, batch_size=8, shuffle=False, verbose=0)
    first, record = tiny_model(trainer), RecordWeights()
    with pytest.raises(RuntimeError, match="simulated crash"):
        first.fit(**fit, callbacks=training_callbacks(trainer, str(tmp_path / "logs1"), backup)
                  + [record, CrashAfterEpoch(7)])
    assert len(record.per_epoch) == 8

    second = tiny_model(trainer)
    callbacks = training_callbacks(trainer, str(tmp_path / "logs2"), backup)
    history = second.fit(**fit, callbacks=callbacks)
    stopper = next(c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping))
    assert history.epoch == [8, 9]
    assert (stopper.best_epoch, stopper.stopped_epoch) == (6, 9)
    assert weight(second) == pytest.approx(record.per_epoch[6], rel=1e-6)
    assert not os.path.exists(backup) or not os.listdir(backup)


def test_no_backup_without_a_dir():
    trainer = trainer_config()
    assert not any(isinstance(c, keras.callbacks.BackupAndRestore) for c in training_callbacks(trainer, "/x", None))
    assert any(isinstance(c, keras.callbacks.BackupAndRestore) for c in training_callbacks(trainer, "/x", "/y"))


# ---------------------------------------------------------------------------------------------------------------
# Hardware


def test_learning_rate_logged_under_mixed_precision(tmp_path):
    """With mixed_float16 (a GPU's policy; set here without one) compile() wraps the optimizer in a
    LossScaleOptimizer; the rate is still logged."""
    trainer = trainer_config(optimizer="sgd", mixed_precision="on", distribution="default",
                             learning_rate={"schedule": "cosine", "initial": 0.1, "decay_steps": 8})
    try:
        make_strategy(plan_hardware(trainer["distribution"], trainer["mixed_precision"], ["/physical_device:GPU:0"]))
        model = tiny_model(trainer)
        assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
        x = np.ones((20, 1), np.float32)
        history = model.fit(x, x, epochs=3, batch_size=10, verbose=0,
                            callbacks=training_callbacks(trainer, str(tmp_path / "logs"), None))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    expected = [textbook_rate(trainer["learning_rate"], 2 * (e + 1)) for e in range(3)]
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# trainer.seed


def seeded_fit(seed: int | None) -> list[np.ndarray]:
    """Random initial weights, dropout and shuffled batches: every source of chance a Trainer has."""
    from tfxkit.modules.training_data import seed_everything

    seed_everything(seed)
    inp = keras.Input(shape=(4,))
    out = keras.layers.Dense(1)(keras.layers.Dropout(0.5)(keras.layers.Dense(8, activation="relu")(inp)))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="mse")
    x = np.arange(64 * 4, dtype=np.float32).reshape(64, 4) / 256
    model.fit(x, x.sum(axis=1), batch_size=8, epochs=2, shuffle=True, verbose=0)
    return model.get_weights()


def test_the_same_seed_trains_the_same_weights_and_another_seed_does_not():
    first, again, other = seeded_fit(7), seeded_fit(7), seeded_fit(8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
