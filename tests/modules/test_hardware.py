"""The hardware plan (a pure function) and, in a fresh process, real training on 2 logical CPU replicas.

TensorFlow fixes its devices once per process, and this test process has initialised
them already, so the multi-replica and mixed-precision fits run in a child Python
(`CHILD` below) that reports what it observed as JSON.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow as tf
import tf_keras as keras

from tfxkit.config.spec import PipelineSpec
from tfxkit.modules.hardware import make_strategy, plan_hardware, visible_gpus

REPO_ROOT = Path(__file__).resolve().parents[2]
GPUS = ["/physical_device:GPU:0", "/physical_device:GPU:1"]


def trainer_config(**section) -> dict:
    """The `trainer` dict the Trainer receives, from a minimal whole spec with this trainer section."""
    spec = PipelineSpec.model_validate({
        "pipeline": {"name": "unit", "root": "/tmp/unit"}, "data": {"path": "data.csv", "label": "y"},
        "transform": {"features": {"x": "zscore"}}, "model": {"task": "multiclass"}, "trainer": section,
    })
    return spec.model_dump()["trainer"]


# ---------------------------------------------------------------------------------------------------------------
# The plan


def test_plan_without_gpu():
    plan = plan_hardware("auto", "auto", [])
    assert (plan.strategy, plan.precision, plan.replicas, plan.gpus) == ("default", "float32", 1, ())
    assert "CPU only" in plan.describe()
    assert plan.short() == "1 replica (CPU), float32"


def test_plan_with_two_gpus():
    plan = plan_hardware("auto", "auto", GPUS)
    assert (plan.strategy, plan.precision, plan.replicas, plan.loss_scaling) == ("mirrored", "mixed_float16", 2, True)
    assert plan.gpus == tuple(GPUS) and "2 GPU(s)" in plan.describe()
    assert plan.short() == "2 replicas (GPU), mixed_float16"


@pytest.mark.parametrize("distribution,precision,gpus,expected", [
    ("default", "off", GPUS, ("default", "float32", 1)),
    ("default", "auto", GPUS, ("default", "mixed_float16", 1)),
    ("auto", "off", GPUS[:1], ("mirrored", "float32", 1)),
    ("mirrored", "on", [], ("mirrored", "mixed_bfloat16", 1)),
    ("auto", "on", [], ("default", "mixed_bfloat16", 1)),
    ("auto", "on", GPUS[:1], ("mirrored", "mixed_float16", 1)),
])
def test_explicit_settings_override_auto(distribution, precision, gpus, expected):
    plan = plan_hardware(distribution, precision, gpus)
    assert (plan.strategy, plan.precision, plan.replicas) == expected


@pytest.mark.parametrize("precision,gpus,expected", [
    ("auto", [], ("float32", False)),
    ("on", [], ("mixed_bfloat16", False)),
    ("off", [], ("float32", False)),
    # The replicas are CPUs whatever GPUs there are: a GPU's float16 would be emulated there.
    ("auto", GPUS, ("float32", False)),
    ("on", GPUS, ("mixed_bfloat16", False)),
])
def test_plan_with_cpu_replicas(precision, gpus, expected):
    plan = plan_hardware("auto", precision, gpus, cpu_replicas=2)
    assert (plan.strategy, plan.replicas, plan.device_kind) == ("mirrored", 2, "logical CPU")
    assert (plan.precision, plan.loss_scaling) == expected
    assert plan.short() == f"2 replicas (logical CPU), {expected[0]}"
    assert "CPU split into 2 logical devices" in plan.describe()


def test_record_has_the_global_batch_and_why():
    record = plan_hardware("mirrored", "on", [], cpu_replicas=3).record(batch_size=16)
    assert record["summary"] == "3 replicas (logical CPU), mixed_bfloat16"
    assert (record["batch_size_per_replica"], record["global_batch_size"], record["replicas"]) == (16, 48, 3)
    assert record["loss_scaling"] is False and "bfloat16" in record["why"]
    assert json.loads(json.dumps(record)) == record  # stored as JSON in ML Metadata


def test_cpu_replicas_refuse_the_default_strategy():
    with pytest.raises(ValueError, match="needs MirroredStrategy"):
        plan_hardware("default", "auto", [], cpu_replicas=2)


def test_make_strategy_on_this_machine():
    gpus = visible_gpus()
    plan = plan_hardware("auto", "auto", gpus)
    try:
        strategy = make_strategy(plan)
        if gpus:
            assert isinstance(strategy, tf.distribute.MirroredStrategy)
            assert strategy.num_replicas_in_sync == len(gpus)
            assert keras.mixed_precision.global_policy().name == "mixed_float16"
        else:
            assert strategy is tf.distribute.get_strategy() and not tf.distribute.has_strategy()
            assert strategy.num_replicas_in_sync == 1
            assert keras.mixed_precision.global_policy().name == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("gpus,policy", [([], "mixed_bfloat16"), (GPUS[:1], "mixed_float16")])
def test_make_strategy_applies_precision(gpus, policy):
    try:
        make_strategy(plan_hardware("default", "on", gpus))
        assert keras.mixed_precision.global_policy().name == policy
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.mixed_precision.global_policy().name == "float32"


# ---------------------------------------------------------------------------------------------------------------
# Real training on 2 logical CPUs, in a child process

CHILD = r'''
import json, sys
import numpy as np
import tensorflow as tf
import tf_keras as keras
from tfxkit.modules.callbacks import training_callbacks
from tfxkit.modules.devices import split_cpu
from tfxkit.modules.hardware import make_strategy, plan_hardware
from tfxkit.modules.model_builder import make_optimizer

trainer, out_dir = json.loads(sys.argv[1]), sys.argv[2]
plan = plan_hardware(trainer["distribution"], trainer["mixed_precision"], [], trainer["cpu_replicas"])
strategy = make_strategy(plan)
seen = {"replicas": strategy.num_replicas_in_sync,
        "devices": sorted(strategy.extended.worker_devices), "policy": keras.mixed_precision.global_policy().name}
split_cpu(trainer["cpu_replicas"])  # the same split again: a no-op
try:
    split_cpu(trainer["cpu_replicas"] + 1)
except RuntimeError as exc:
    seen["refused"] = str(exc)

class Rows(keras.layers.Layer):
    """Passes its input on; the metric `rows` is the batch one replica sees."""
    def call(self, x):
        self.add_metric(tf.cast(tf.shape(x)[0], tf.float32), name="rows", aggregation="mean")
        return x

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64")
x_eval = rng.normal(size=(50, 4)).astype("float32")  # 50: the last global batch of 16 is split 1 + 1
y_eval = (x_eval[:, 0] + x_eval[:, 1] > 0).astype("int64")
with strategy.scope():
    inp = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(16, activation="relu", name="hidden")(Rows()(inp))
    out = keras.layers.Activation("softmax", dtype="float32", name="outputs")(
        keras.layers.Dense(2, dtype="float32", name="logits")(hidden))
    model = keras.Model(inp, out)
    model.compile(optimizer=make_optimizer(trainer), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
global_batch = trainer["batch_size"] * strategy.num_replicas_in_sync
history = model.fit(x, y, batch_size=global_batch, epochs=trainer["epochs"], shuffle=True, verbose=0,
                    validation_data=(x_eval, y_eval),
                    callbacks=training_callbacks(trainer, out_dir + "/logs", out_dir + "/backup"))
with strategy.scope():
    evaluated = model.evaluate(x_eval, y_eval, batch_size=global_batch, verbose=0, return_dict=True)
predicted = model.predict(x_eval, batch_size=global_batch, verbose=0)
seen.update(
    iterations=int(model.optimizer.iterations.numpy()), history={k: [float(v) for v in vs] for k, vs in history.history.items()},
    evaluated_accuracy=float(evaluated["accuracy"]), numpy_accuracy=float((predicted.argmax(1) == y_eval).mean()),
    hidden_compute=model.get_layer("hidden").compute_dtype, hidden_variable=model.get_layer("hidden").variable_dtype,
    optimizer=type(model.optimizer).__name__)

@tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
def serve(batch):
    return {"outputs": model(batch)}

model.save(out_dir + "/saved", save_format="tf", signatures={"serving_default": serve})
keras.mixed_precision.set_global_policy("float32")
loaded = tf.saved_model.load(out_dir + "/saved").signatures["serving_default"]
served = loaded(x=tf.constant(x_eval[:3]))["outputs"]
seen.update(signature_in=loaded.structured_input_signature[1]["x"].dtype.name,
            signature_out=loaded.structured_outputs["outputs"].dtype.name, served=served.numpy().tolist(),
            in_memory=predicted[:3].tolist())
print("SEEN " + json.dumps(seen))
'''


def train_in_child(tmp_path: Path, trainer: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1",
               PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(trainer), str(tmp_path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.split("SEEN ", 1)[1])


def cosine(step: int, initial: float, decay_steps: int) -> float:
    return initial * 0.5 * (1 + math.cos(math.pi * min(step, decay_steps) / decay_steps))


@pytest.mark.parametrize("precision,policy,compute", [("off", "float32", "float32"),
                                                      ("on", "mixed_bfloat16", "bfloat16")])
def test_two_logical_cpu_replicas_train(tmp_path, precision, policy, compute):
    trainer = trainer_config(cpu_replicas=2, batch_size=8, epochs=3, optimizer="sgd", mixed_precision=precision,
                             learning_rate={"schedule": "cosine", "initial": 0.5, "decay_steps": 16})
    seen = train_in_child(tmp_path, trainer)
    assert seen["replicas"] == 2 and seen["policy"] == policy
    assert seen["devices"] == ["/job:localhost/replica:0/task:0/device:CPU:0",
                               "/job:localhost/replica:0/task:0/device:CPU:1"]
    assert "needs the CPU split into 3 logical devices" in seen["refused"] and "with 2" in seen["refused"]
    # batch_size is per replica: each replica sees 8 rows, a step is a global batch of 16, so 64 examples
    # are 4 steps an epoch, and the schedule (which counts steps) is at 4, 8, 12 at the ends of the epochs.
    assert seen["history"]["rows"] == [8.0, 8.0, 8.0]
    assert seen["iterations"] == 12
    expected = [cosine(4 * (e + 1), 0.5, 16) for e in range(3)]
    assert seen["history"]["learning_rate"] == pytest.approx(expected, rel=1e-5)
    # Metrics are aggregated over both replicas: evaluate's accuracy is that of all 50 predictions.
    assert seen["evaluated_accuracy"] == pytest.approx(seen["numpy_accuracy"], abs=1e-6)
    assert seen["history"]["accuracy"][-1] > 0.7 and seen["history"]["loss"][-1] < seen["history"]["loss"][0]
    # Mixed precision: the hidden layer computes in bfloat16 on float32 weights, no loss scaling (bfloat16
    # has float32's range); the served signature takes and returns float32, as a float32 model's does.
    assert (seen["hidden_compute"], seen["hidden_variable"]) == (compute, "float32")
    assert seen["optimizer"] == "SGD"
    assert (seen["signature_in"], seen["signature_out"]) == ("float32", "float32")
    served, in_memory = sum(seen["served"], []), sum(seen["in_memory"], [])
    assert served == pytest.approx(in_memory, abs=1e-2 if compute == "bfloat16" else 1e-5)


CHILD_RESUME = r'''
import json, sys
import numpy as np
import tf_keras as keras
from tfxkit.modules.callbacks import training_callbacks
from tfxkit.modules.hardware import make_strategy, plan_hardware
from tfxkit.modules.model_builder import make_optimizer

trainer, out_dir = json.loads(sys.argv[1]), sys.argv[2]
strategy = make_strategy(plan_hardware("auto", "off", [], trainer["cpu_replicas"]))
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int64")

class Killed(Exception):
    pass

class KillAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise Killed()

def fit(extra):
    keras.backend.clear_session()
    with strategy.scope():
        inp = keras.Input(shape=(4,))
        model = keras.Model(inp, keras.layers.Dense(2, activation="softmax")(inp))
        model.compile(optimizer=make_optimizer(trainer), loss="sparse_categorical_crossentropy")
    callbacks = training_callbacks(trainer, out_dir + "/logs", out_dir + "/backup") + extra
    history = model.fit(x, y, batch_size=16, epochs=trainer["epochs"], validation_data=(x, y), verbose=0,
                        callbacks=callbacks)
    return model, history

try:
    fit([KillAfterFirstEpoch()])
except Killed:
    pass
model, history = fit([])
print("SEEN " + json.dumps({"epochs": history.epoch, "iterations": int(model.optimizer.iterations.numpy())}))
'''


def test_early_stopping_and_resume_after_a_kill_on_two_replicas(tmp_path):
    """Killed after epoch 1, retried: training resumes at epoch 2 with EarlyStopping's state, so a patience of 0
    and an improvement it never sees (min_delta 10) stop it there; afresh it would run epochs 2 and 3."""
    trainer = trainer_config(cpu_replicas=2, batch_size=8, epochs=6, optimizer="sgd",
                             early_stopping={"monitor": "val_loss", "patience": 0, "min_delta": 10.0})
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1",
               PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-c", CHILD_RESUME, json.dumps(trainer), str(tmp_path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.split("SEEN ", 1)[1])
    assert seen == {"epochs": [1], "iterations": 8}  # 2 epochs of 64 / (8 x 2) steps, the first before the kill


CHILD_TWO_MODELS = r'''
import sys
import numpy as np
import tf_keras as keras
from tfxkit.modules.hardware import make_strategy, plan_hardware

rng = np.random.default_rng(0)
x = rng.normal(size=(90, 9)).astype("float32")
y = rng.integers(0, 3, size=90)
for units in (8, 24, 32):  # the Tuner's trials, then the Trainer: each asks for its strategy, models differ in size
    strategy = make_strategy(plan_hardware("auto", "off", [], 2))
    with strategy.scope():
        model = keras.Sequential([keras.layers.Dense(units, activation="relu"), keras.layers.Dense(3)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=16, epochs=1, validation_data=(x[:20], y[:20]), verbose=0)
print("TRAINED", units)
'''


def test_models_of_different_sizes_train_one_after_another_in_one_process():
    """The local runner runs the Tuner and the Trainer in one process: the second training's all-reduces must not
    meet the first one's (a second MirroredStrategy did: "Shape mismatch in the collective instance")."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1",
               PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-c", CHILD_TWO_MODELS], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0 and "TRAINED 32" in proc.stdout, proc.stderr[-3000:]
