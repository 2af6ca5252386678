"""Metric names per task: what the Evaluator and the Trainer compute, and which way is better.

The evaluation gates, early stopping, the learning-rate plateau and the tuner
objective all name metrics; they are checked against these tables so that a
name nothing computes, or a bound on the wrong side, is a spec error.
"""

from __future__ import annotations

from typing import Iterator, Optional

from tfxkit.config.did_you_mean import did_you_mean
from tfxkit.config.problem import Problem

# Friendly metric names -> TFMA / Keras metric class, per task. A name that is not
# valid for the declared task is a spec error, caught before anything runs.
METRICS: dict[str, dict[str, str]] = {
    "binary": {
        "accuracy": "BinaryAccuracy",
        "auc": "AUC",
        "precision": "Precision",
        "recall": "Recall",
        "loss": "BinaryCrossentropy",
        "example_count": "ExampleCount",
    },
    "multiclass": {
        "accuracy": "SparseCategoricalAccuracy",
        "loss": "SparseCategoricalCrossentropy",
        "example_count": "ExampleCount",
    },
    "regression": {
        "mse": "MeanSquaredError",
        "mae": "MeanAbsoluteError",
        "rmse": "RootMeanSquaredError",
        "example_count": "ExampleCount",
    },
}
LOWER_IS_BETTER = {"loss", "mse", "mae", "rmse"}
DEFAULT_METRICS = {
    "binary": ["accuracy", "auc"],
    "multiclass": ["accuracy"],
    "regression": ["mse", "mae"],
}

# What the generic Trainer compiles per task (tfxkit/modules/model_builder.py): the loss plus these
# metrics, each also as val_<name> on the eval split. These are all that early stopping, the
# learning-rate plateau and the tuner objective can watch. (Regression's loss is the MSE.)
TRAINING_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("loss", "accuracy", "auc"),
    "multiclass": ("loss", "accuracy"),
    "regression": ("loss", "mae"),
}
HIGHER_IS_BETTER = {"accuracy", "auc", "precision", "recall"}
BETWEEN_0_AND_1 = {"accuracy", "auc", "precision", "recall"}


def watchable(task: str) -> list[str]:
    """Names a Keras callback or the tuner can watch for `task`: val_<metric> first, then training."""
    names = TRAINING_METRICS[task]
    return [f"val_{name}" for name in names] + list(names)


def direction_of(name: str) -> Optional[str]:
    """'max' for accuracy-like names, 'min' for losses and errors, None when unknown."""
    base = name.removeprefix("val_")
    if base in HIGHER_IS_BETTER:
        return "max"
    if base in LOWER_IS_BETTER or base == "loss":
        return "min"
    return None


def kind_of(name: str) -> str:
    """'higher is better' or 'lower is better', as messages say it."""
    return "higher is better" if direction_of(name) == "max" else "lower is better"


def not_computed(path: tuple, name: str, task: str, what: str) -> Iterator[Problem]:
    """A problem when `name` is not computed while training a `task` model, so `what` would go wrong."""
    if name in watchable(task):
        return
    choices = watchable(task)
    hint = did_you_mean(name, choices, f"expected one of: {', '.join(choices)}")
    if name.removeprefix("val_") in METRICS[task]:  # e.g. rmse: a TFMA metric the Evaluator computes
        hint = f"{name.removeprefix('val_')} is computed by the Evaluator only; expected one of: {', '.join(choices)}"
    yield Problem(path, f"'{name}' is not computed while training a {task} model, so {what} ({hint})")
