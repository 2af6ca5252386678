"""Keras models built from the transformed feature spec and the spec's model section.

Inputs are derived from what Transform produced, not from the spec: float
features are fed as they are, integer ids are one-hot encoded with the bucket
count Transform recorded. A custom preprocessing module therefore works with
the generic Trainer as long as it names the label `<label>_xf`.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras

from tfxkit.modules.autograph_rules import exempt_libraries
from tfxkit.modules.preprocessing import LABEL_VOCABULARY
from tfxkit.modules.schedules import learning_rate

exempt_libraries()

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
    "adamw": keras.optimizers.AdamW,
}


def model_inputs(tft_output: tft.TFTransformOutput, label_key: str) -> tuple[dict, list]:
    """Keras Inputs for every transformed feature but the label, and their encoded tensors."""
    inputs, encoded = {}, []
    for key, spec in sorted(tft_output.transformed_feature_spec().items()):
        if key == label_key:
            continue
        if spec.dtype == tf.int64:
            inp = keras.Input(shape=tuple(spec.shape), name=key, dtype=tf.int64)
            depth = tft_output.num_buckets_for_transformed_feature(key)
            encoded.append(keras.layers.CategoryEncoding(num_tokens=depth, output_mode="one_hot")(inp))
        else:
            inp = keras.Input(shape=tuple(spec.shape) or (1,), name=key, dtype=tf.float32)
            encoded.append(inp if spec.shape else keras.layers.Reshape((1,))(inp))
        inputs[key] = inp
    return inputs, encoded


def num_classes(tft_output: tft.TFTransformOutput, label_key: str, task: str) -> int:
    """Output width: 1 for binary and regression, the number of classes for multiclass.

    String labels went through the label vocabulary (its size is the class
    count); integer labels carry their range in the transformed schema.
    """
    if task != "multiclass":
        return 1
    if tft_output.vocabulary_file_by_name(LABEL_VOCABULARY):
        return tft_output.vocabulary_size_by_name(LABEL_VOCABULARY)
    return tft_output.num_buckets_for_transformed_feature(label_key)


def make_optimizer(trainer: dict[str, Any]) -> keras.optimizers.Optimizer:
    """The spec's optimizer with its options and learning-rate schedule."""
    options = trainer["optimizer"]
    kwargs: dict[str, Any] = {"learning_rate": learning_rate(trainer["learning_rate"])}
    for key in ("momentum", "nesterov", "weight_decay", "clipnorm", "clipvalue"):
        if options.get(key) is not None:
            kwargs[key] = options[key]
    # XLA-compiling the update step costs seconds of compile time per run and
    # buys nothing for models this size.
    return OPTIMIZERS[options["name"]](jit_compile=False, **kwargs)


def build_model(tft_output: tft.TFTransformOutput, config: dict[str, Any]) -> keras.Model:
    """A compiled DNN for the task in `config` (the Trainer's custom_config)."""
    label_key = f"{config['label']}_xf"
    task = config["task"]
    model_cfg = config["model"]
    inputs, encoded = model_inputs(tft_output, label_key)
    x = keras.layers.concatenate(encoded) if len(encoded) > 1 else encoded[0]
    penalty = model_cfg["regularization"]
    regularizer = keras.regularizers.L1L2(l1=penalty["l1"], l2=penalty["l2"]) if penalty["l1"] or penalty["l2"] else None
    for units in model_cfg["hidden_units"]:
        x = keras.layers.Dense(units, kernel_regularizer=regularizer)(x)
        if model_cfg["batch_norm"]:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation(model_cfg["activation"])(x)
        if model_cfg["dropout"]:
            x = keras.layers.Dropout(model_cfg["dropout"])(x)
    width = num_classes(tft_output, label_key, task)
    # The output layer stays float32 under mixed precision: softmax/sigmoid in float16 lose accuracy.
    head = {"binary": ("sigmoid", 1), "multiclass": ("softmax", width), "regression": (None, 1)}[task]
    outputs = keras.layers.Dense(head[1], activation=head[0], name="outputs", dtype="float32")(x)
    if task == "binary":
        loss, metrics = "binary_crossentropy", [keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")]
    elif task == "multiclass":
        loss, metrics = "sparse_categorical_crossentropy", [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    else:
        loss, metrics = "mse", [keras.metrics.MeanAbsoluteError(name="mae")]
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=make_optimizer(config["trainer"]), loss=loss, metrics=metrics)
    return model
