"""How tuned hyperparameter values override the spec's declared ones.

Both the Tuner (each trial) and the Trainer (the best trial's values) apply
tuned values the same way, so this lives below both of them: plain Python,
no TensorFlow or KerasTuner, and importing it never selects a Keras.
"""

from __future__ import annotations

import copy
from typing import Any


def apply_hyperparameters(config: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of the Trainer config with tuned values in place of the declared ones."""
    config = copy.deepcopy(config)
    model, trainer = config["model"], config["trainer"]
    if "learning_rate" in values:
        rate = trainer["learning_rate"]
        if rate["schedule"] == "piecewise":
            scale = values["learning_rate"] / rate["values"][0]
            rate["values"] = [v * scale for v in rate["values"]]
        else:
            rate["initial"] = float(values["learning_rate"])
    if "dropout" in values:
        model["dropout"] = float(values["dropout"])
    if "units" in values or "num_layers" in values:
        units = int(values.get("units", model["hidden_units"][0]))
        layers = int(values.get("num_layers", len(model["hidden_units"])))
        model["hidden_units"] = [units] * layers
    if "optimizer" in values:
        trainer["optimizer"] = {**trainer["optimizer"], "name": values["optimizer"],
                                "momentum": None, "nesterov": None, "weight_decay": None}
    if "l2" in values:
        model["regularization"] = {**model["regularization"], "l2": float(values["l2"])}
    if "activation" in values:
        model["activation"] = values["activation"]
    return config
