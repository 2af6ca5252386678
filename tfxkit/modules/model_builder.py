"""Keras models built from the transformed feature spec and the spec's model section.

Inputs are derived from what Transform produced, not from the spec: float
features are fed as they are (the CNN's image feature through conv blocks),
integer ids are one-hot encoded (embedded in wide & deep's deep part) with the
bucket count Transform recorded, and token-id sequences go through an
embedding and the declared text encoder. A custom preprocessing module therefore works with
the generic Trainer as long as it names the label `<label>_xf`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras

from tfxkit.modules.keras_setup import exempt_libraries
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


@dataclass
class ModelInputs:
    """Keras Inputs for the transformed features, grouped by how they are encoded."""

    inputs: dict[str, Any] = field(default_factory=dict)
    numeric: dict[str, Any] = field(default_factory=dict)  # float [batch, k]
    categorical: dict[str, tuple[Any, int]] = field(default_factory=dict)  # int id [batch], bucket count
    sequences: dict[str, tuple[Any, int]] = field(default_factory=dict)  # int ids [batch, length], bucket count


def model_inputs(tft_output: tft.TFTransformOutput, label_key: str) -> ModelInputs:
    """Inputs for every transformed feature but the label, from Transform's output schema."""
    found = ModelInputs()
    for key, spec in sorted(tft_output.transformed_feature_spec().items()):
        if key == label_key:
            continue
        shape = tuple(spec.shape)
        if spec.dtype == tf.int64:
            inp = keras.Input(shape=shape, name=key, dtype=tf.int64)
            depth = tft_output.num_buckets_for_transformed_feature(key)
            (found.sequences if shape else found.categorical)[key] = (inp, depth)
        else:
            inp = keras.Input(shape=shape or (1,), name=key, dtype=tf.float32)
            found.numeric[key] = inp if shape else keras.layers.Reshape((1,))(inp)
        found.inputs[key] = inp
    return found


def one_hot(inp: Any, depth: int) -> Any:
    return keras.layers.CategoryEncoding(num_tokens=depth, output_mode="one_hot")(inp)


def encode_text(inp: Any, depth: int, text: dict[str, Any] | None) -> Any:
    """Embedding plus the declared encoder (pooling, conv or LSTM) over a token-id sequence."""
    text = text or {"embedding_dim": 32, "encoder": "pooling", "units": 32}
    x = keras.layers.Embedding(depth, text["embedding_dim"], mask_zero=text["encoder"] != "conv")(inp)
    if text["encoder"] == "lstm":
        return keras.layers.LSTM(text["units"])(x)
    if text["encoder"] == "conv":
        x = keras.layers.Conv1D(text["units"], 5, padding="same", activation="relu")(x)
        return keras.layers.GlobalMaxPooling1D()(x)
    return keras.layers.GlobalAveragePooling1D()(x)


def encode_image(inp: Any, cnn: dict[str, Any]) -> Any:
    """Conv blocks over a float feature reshaped to the declared image shape."""
    shape = list(cnn["shape"]) + ([1] if len(cnn["shape"]) == 2 else [])
    x = keras.layers.Reshape(shape)(inp)
    for filters in cnn["filters"]:
        x = keras.layers.Conv2D(filters, cnn["kernel_size"], padding="same", activation="relu")(x)
        if min(x.shape[1], x.shape[2]) >= cnn["pool_size"]:
            x = keras.layers.MaxPooling2D(cnn["pool_size"])(x)
    return keras.layers.Flatten()(x)


def hidden_stack(x: Any, model_cfg: dict[str, Any]) -> Any:
    """Dense layers with the declared activation, regularization, batch norm and dropout."""
    penalty = model_cfg["regularization"]
    regularizer = keras.regularizers.L1L2(l1=penalty["l1"], l2=penalty["l2"]) if penalty["l1"] or penalty["l2"] else None
    for units in model_cfg["hidden_units"]:
        x = keras.layers.Dense(units, kernel_regularizer=regularizer)(x)
        if model_cfg["batch_norm"]:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation(model_cfg["activation"])(x)
        if model_cfg["dropout"]:
            x = keras.layers.Dropout(model_cfg["dropout"])(x)
    return x


def _concat(parts: list[Any]) -> Any:
    return keras.layers.concatenate(parts) if len(parts) > 1 else parts[0]


def model_body(found: ModelInputs, model_cfg: dict[str, Any], width: int) -> Any:
    """Pre-activation logits of the declared model family."""
    family = model_cfg["type"]
    cnn = model_cfg.get("cnn")
    image = f"{cnn['image']}_xf" if cnn else None
    parts = [encode_image(t, cnn) if k == image else t for k, t in found.numeric.items()]
    parts += [encode_text(inp, depth, model_cfg.get("text")) for inp, depth in found.sequences.values()]
    if family != "wide_deep":
        parts += [one_hot(inp, depth) for inp, depth in found.categorical.values()]
        return keras.layers.Dense(width, name="logits", dtype="float32")(hidden_stack(_concat(parts), model_cfg))
    wide_cfg = model_cfg["wide_deep"]
    wide_keys = {f"{name}_xf" for name in wide_cfg["wide"]}
    wide = _concat([one_hot(inp, depth) for key, (inp, depth) in found.categorical.items() if key in wide_keys])
    parts += [keras.layers.Flatten()(keras.layers.Embedding(depth, wide_cfg["embedding_dim"], name=f"{key}_embedding")(inp))
              for key, (inp, depth) in found.categorical.items()]
    deep = keras.layers.Dense(width, name="deep_logits", dtype="float32")(hidden_stack(_concat(parts), model_cfg))
    wide_logits = keras.layers.Dense(width, name="wide_logits", dtype="float32")(wide)
    return keras.layers.Add(name="logits")([wide_logits, deep])


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
    """A compiled model of the declared family for the task in `config` (the Trainer's custom_config)."""
    label_key = f"{config['label']}_xf"
    task = config["task"]
    found = model_inputs(tft_output, label_key)
    logits = model_body(found, config["model"], num_classes(tft_output, label_key, task))
    # The head stays float32 under mixed precision: softmax/sigmoid in float16 lose accuracy.
    activation = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}[task]
    outputs = keras.layers.Activation(activation, name="outputs", dtype="float32")(logits)
    if task == "binary":
        loss, metrics = "binary_crossentropy", [keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")]
    elif task == "multiclass":
        loss, metrics = "sparse_categorical_crossentropy", [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    else:
        loss, metrics = "mse", [keras.metrics.MeanAbsoluteError(name="mae")]
    model = keras.Model(inputs=found.inputs, outputs=outputs)
    model.compile(optimizer=make_optimizer(config["trainer"]), loss=loss, metrics=metrics)
    return model
