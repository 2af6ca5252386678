"""Warm start: a new model begins from the served model's weights, layer for layer, when the shapes agree.

Continuous training retrains on new data as it arrives; starting from the model
being served reaches the same accuracy in fewer epochs. The served model is a
SavedModel written by this Trainer, so Keras loads it back as a model whose
layers with weights come in the same order as a model built from the same spec.
A model of another shape cannot start from it: that is one clear line naming
the first layer that differs, raised before training, never Keras' traceback.
"""

from __future__ import annotations

from typing import Any

import tf_keras as keras
from absl import logging


class WarmStartMismatch(ValueError):
    """The served model's layers do not have this model's shapes."""


def _weighted(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if layer.weights]


def _shapes(layer: keras.layers.Layer) -> list[tuple]:
    return [tuple(w.shape) for w in layer.weights]


def initial_weights(model: keras.Model, trainer: dict[str, Any], base_model: str | None) -> str | None:
    """With `trainer.warm_start`, the served model's weights (the base model the plan wires in); its path."""
    if not trainer.get("warm_start"):
        return None
    if not base_model:
        logging.info("tfxkit trainer: warm start: no model is served yet, training from scratch")
        return None
    logging.info("tfxkit trainer: %s", warm_start(model, base_model))
    return base_model


def warm_start(model: keras.Model, base_model_dir: str) -> str:
    """Copy the weights of the SavedModel at `base_model_dir` into `model`; what was done, for the log."""
    base = keras.models.load_model(base_model_dir, compile=False)
    ours, theirs = _weighted(model), _weighted(base)
    for layer, served in zip(ours, theirs):
        if _shapes(layer) != _shapes(served):
            raise WarmStartMismatch(
                f"warm start: layer '{layer.name}' has weights {_shapes(layer)} here and {_shapes(served)} in the "
                f"served model ({base_model_dir}); train from scratch with trainer.warm_start: false, or keep the "
                "served model's shape")
    if len(ours) != len(theirs):
        raise WarmStartMismatch(
            f"warm start: this model has {len(ours)} layers with weights and the served model {len(theirs)} "
            f"({base_model_dir}); train from scratch with trainer.warm_start: false, or keep the served model's shape")
    for layer, served in zip(ours, theirs):
        layer.set_weights(served.get_weights())
    return f"warm start: {len(ours)} layers initialised from the served model {base_model_dir}"
