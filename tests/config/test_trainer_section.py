"""Bad trainer, model-family and tuning settings: one-line errors at the right place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfxkit.config.errors import SpecErrors
from tfxkit.config.load import load_spec

HEAD = """\
pipeline: {name: p, root: runs}
data: {path: data.csv, label: y}
transform:
  features:
    x: zscore
    c: vocabulary
    t: text
"""
CSV = "x,c,t,y\n1.0,a,hello world,0\n2.0,b,good bye,1\n"


def first_error(tmp_path: Path, body: str) -> str:
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + body)
    with pytest.raises(SpecErrors) as info:
        load_spec(spec)
    err = info.value.errors[0]
    assert err.file == str(spec)
    return f"{err.line}:{err.col}: {err.path}: {err.message}"


@pytest.mark.parametrize("body, expected", [
    ("model: {task: binary}\ntrainer:\n  seed: -1\n", "10:9: trainer.seed: -1 is too small (expected >= 0)"),
    ("model: {task: binary}\ntrainer:\n  seed: often\n", "10:9: trainer.seed: expected an integer, got 'often'"),
    ("model: {task: binary}\ntrainer:\n  optimizer: adamx\n",
     "10:14: trainer.optimizer: 'adamx' is not allowed (did you mean 'adam'?)"),
    ("model: {task: binary}\ntrainer:\n  optimizer: {name: adam, nesterov: true}\n",
     "10:14: trainer.optimizer: nesterov does not apply to 'adam' (only sgd)"),
    ("model: {task: binary}\ntrainer:\n  optimizer: {name: sgd, clipnorm: 1.0, clipvalue: 0.5}\n",
     "10:14: trainer.optimizer: give clipnorm or clipvalue, not both"),
    ("model: {task: binary}\ntrainer:\n  learning_rate: {schedule: cosin, initial: 0.1, decay_steps: 10}\n",
     "10:29: trainer.learning_rate.schedule: 'cosin' is not allowed (expected 'constant', 'exponential', "
     "'piecewise', 'cosine', 'cosine_restarts', 'polynomial', 'reduce_on_plateau')"),
    ("model: {task: binary}\ntrainer:\n  learning_rate: {schedule: cosine, initial: 0.1, decay_steps: 0}\n",
     "10:64: trainer.learning_rate.decay_steps: 0 is too small (expected >= 1)"),
    ("model: {task: binary}\ntrainer:\n  learning_rate: {schedule: exponential, initial: 0.1, decay_steps: 5, "
     "decay_rate: 1.5}\n",
     "10:84: trainer.learning_rate.decay_rate: 1.5 is too large (expected <= 1.0)"),
    ("model: {task: binary}\ntrainer:\n  learning_rate: {schedule: piecewise, boundaries: [10, 5], "
     "values: [0.1, 0.01, 0.001]}\n",
     "10:18: trainer.learning_rate: boundaries must be increasing positive steps"),
    ("model: {task: binary}\ntrainer:\n  learning_rate: {schedule: constant, initial: -0.1}\n",
     "10:48: trainer.learning_rate.initial: -0.1 is too small (expected > 0.0)"),
    ("model: {task: binary}\ntrainer:\n  early_stopping: {patience: -1}\n",
     "10:30: trainer.early_stopping.patience: -1 is too small (expected >= 0)"),
    ("model: {task: binary}\ntrainer:\n  cpu_replicas: 1\n",
     "10:17: trainer.cpu_replicas: 1 is too small (expected >= 2)"),
    ("model: {task: binary}\ntrainer:\n  cpu_replicas: two\n",
     "10:17: trainer.cpu_replicas: expected an integer, got 'two'"),
    ("model: {task: binary}\ntrainer:\n  distribution: default\n  cpu_replicas: 2\n",
     "11:17: trainer.cpu_replicas: 2 replicas need MirroredStrategy, but distribution 'default' trains one "
     "(expected distribution auto or mirrored, or no cpu_replicas)"),
    ("model: {task: binary}\ntrainer:\n  distribution: multi_worker\n",
     "10:17: trainer.distribution: multi_worker needs trainer.workers (expected the number of worker processes, "
     "2 or more)"),
    ("model: {task: binary}\ntrainer:\n  workers: 2\n",
     "10:12: trainer.workers: 2 workers need distribution multi_worker (got 'auto')"),
    ("model: {task: binary}\ntrainer:\n  distribution: multi_worker\n  workers: 2\n  cpu_replicas: 2\n",
     "12:17: trainer.cpu_replicas: 2 replicas need MirroredStrategy, but multi_worker trains one per worker "
     "process (trainer.workers) (expected distribution auto or mirrored, or no cpu_replicas)"),
    ("model: {task: binary, type: cnn}\n",
     "8:8: model: type 'cnn' needs a 'cnn' section"),
    ("model: {task: binary, type: cnn, cnn: {image: c, shape: [8, 8]}}\n",
     "8:47: model.cnn.image: 'c' has transform 'vocabulary' (expected a numeric column: zscore, scale_0_1 or "
     "passthrough)"),
    ("model: {task: binary, type: text, text: {feature: x}}\n",
     "8:51: model.text.feature: 'x' has transform 'zscore' (expected a column with transform: text)"),
    ("model: {task: binary, type: wide_deep, wide_deep: {wide: [q]}}\n",
     "8:59: model.wide_deep.wide[0]: 'q' is not in transform.features (expected a categorical column: "
     "vocabulary, bucketize or hash)"),
    ("model: {task: binary}\ntuning:\n  search_space: {}\n",
     "10:17: tuning.search_space: too few items (expected at least 1)"),
    ("model: {task: binary}\ntuning:\n  search_space:\n    units: {type: int, min: 64, max: 8}\n",
     "11:12: tuning.search_space.units: reversed bounds: min 64 is above max 8"),
    ("model: {task: binary}\ntuning:\n  search_space:\n    learning_rate: {type: float, min: 0, max: 0.1, "
     "log: true}\n",
     "11:20: tuning.search_space.learning_rate: log scale needs min > 0 (got 0)"),
    ("model: {task: binary}\ntuning:\n  search_space:\n    optimizer: {type: choice, values: []}\n",
     "11:16: tuning.search_space.optimizer: empty choice (expected values: a non-empty list)"),
    ("model: {task: binary}\ntuning:\n  search_space:\n    dropot: {type: float, min: 0, max: 0.5}\n",
     "11:5: tuning.search_space.dropot: 'dropot' is not allowed (did you mean 'dropout'?)"),
    ("model: {task: binary}\ntuning:\n  algorithm: genetic\n  search_space:\n    units: {type: int, min: 8, "
     "max: 16}\n",
     "10:14: tuning.algorithm: 'genetic' is not allowed (expected 'random', 'bayesian', 'hyperband' or 'grid')"),
])
def test_bad_trainer_setting(tmp_path, body, expected):
    assert first_error(tmp_path, body) == expected


@pytest.mark.parametrize("trainer, expected", [
    ("{}", (None, "auto")),
    ("{cpu_replicas: 2}", (2, "auto")),
    ("{mixed_precision: off}", (None, "off")),  # YAML reads a bare off as false
    ("{distribution: multi_worker, workers: 3}", (None, "auto")),
    ("{cpu_replicas: 4, distribution: mirrored, mixed_precision: on}", (4, "on")),
])
def test_cpu_replicas_accepted(tmp_path, trainer, expected):
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + f"model: {{task: binary}}\ntrainer: {trainer}\n")
    section = load_spec(spec).spec.trainer
    assert (section.cpu_replicas, section.mixed_precision) == expected


def test_one_worker_is_too_few(tmp_path):
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "model: {task: binary}\ntrainer:\n  distribution: multi_worker\n  workers: 1\n")
    with pytest.raises(SpecErrors) as info:
        load_spec(spec)
    found = [f"{e.line}:{e.col}: {e.path}: {e.message}" for e in info.value.errors]
    assert "11:12: trainer.workers: 1 is too small (expected >= 2)" in found
