"""Tuned values override the declared Trainer config the same way for the Tuner and the Trainer.

tfxkit.modules.hyperparameters is plain Python (no TensorFlow), so this runs in the fast suite.
"""

from __future__ import annotations

import pytest

from tfxkit.config.spec import PipelineSpec
from tfxkit.modules.hyperparameters import apply_hyperparameters


def trainer_config(learning_rate) -> dict:
    """The model and trainer sections as the Trainer receives them (pydantic defaults filled in)."""
    spec = PipelineSpec.model_validate({
        "pipeline": {"name": "hp", "root": "/tmp/hp"},
        "data": {"path": "data.csv", "label": "y"},
        "transform": {"features": {"x": "zscore"}},
        "model": {"task": "regression", "hidden_units": [8, 4]},
        "trainer": {"learning_rate": learning_rate, "optimizer": {"name": "sgd", "momentum": 0.9}},
    }).model_dump()
    return {"model": spec["model"], "trainer": spec["trainer"]}


def test_tuned_values_replace_declared_ones_in_a_copy():
    config = trainer_config(0.01)
    tuned = apply_hyperparameters(config, {"learning_rate": 0.2, "units": 16, "num_layers": 3, "dropout": 0.25,
                                           "optimizer": "adam", "l2": 0.001, "activation": "gelu"})
    assert tuned["trainer"]["learning_rate"]["initial"] == 0.2
    assert tuned["model"]["hidden_units"] == [16, 16, 16]
    assert tuned["model"]["dropout"] == 0.25 and tuned["model"]["activation"] == "gelu"
    assert tuned["model"]["regularization"]["l2"] == 0.001
    assert tuned["trainer"]["optimizer"]["name"] == "adam" and tuned["trainer"]["optimizer"]["momentum"] is None
    assert config == trainer_config(0.01)  # the declared config is untouched


def test_piecewise_rates_scale_with_the_tuned_first_value_and_layers_keep_declared_units():
    config = trainer_config({"schedule": "piecewise", "boundaries": [10], "values": [0.1, 0.01]})
    tuned = apply_hyperparameters(config, {"learning_rate": 0.2, "num_layers": 1})
    assert tuned["trainer"]["learning_rate"]["values"] == pytest.approx([0.2, 0.02])
    assert tuned["model"]["hidden_units"] == [8]
