"""KerasTuner on tf_keras, imported only when something needs it; each case in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)


def test_keras_tuner_imported_later_builds_tf_keras_models(tmp_path):
    done = _run("""
import sys
from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner
use_tf_keras_in_keras_tuner()
assert "keras_tuner" not in sys.modules
keras_before = sys.modules.get("keras")
import keras_tuner
from keras_tuner.src.backend import config
import tf_keras
assert not config.multi_backend(), "KerasTuner chose Keras 3"
assert sys.modules.get("keras") is keras_before, "keras was left pointing at tf_keras"
def build(hp):
    model = tf_keras.Sequential([tf_keras.layers.Dense(hp.Int("units", 2, 4), input_shape=(3,))])
    model.compile("adam", "mse")
    return model
tuner = keras_tuner.RandomSearch(build, objective="loss", max_trials=1, directory=sys.argv[1])
import numpy as np
tuner.search(np.zeros((4, 3)), np.zeros((4, 4)), epochs=1, verbose=0)
print("ok", len(tuner.oracle.trials))
""", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["ok", "1"]


def test_keras_tuner_already_on_keras_3_is_refused():
    done = _run("""
import keras_tuner
from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner
try:
    use_tf_keras_in_keras_tuner()
except RuntimeError as error:
    print(error)
""")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "imported with Keras 3" in done.stdout


def test_calling_twice_installs_one_hook():
    done = _run("""
import sys
from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner, _KerasTunerOnTfKeras
use_tf_keras_in_keras_tuner(); use_tf_keras_in_keras_tuner()
print(sum(isinstance(f, _KerasTunerOnTfKeras) for f in sys.meta_path))
import keras_tuner
print(sum(isinstance(f, _KerasTunerOnTfKeras) for f in sys.meta_path))
""")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1", "0"]
