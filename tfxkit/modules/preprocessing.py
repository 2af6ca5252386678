"""The Transform component's preprocessing_fn, generated from `transform.features`.

Every declared column becomes `<column>_xf`: numeric transforms give a float
tensor of shape [batch, k] (k = 1 for a scalar column, 64 for an 8x8 image
stored as a float list); vocabulary, bucketize and hash give int64 ids of
shape [batch]; text gives int64 token ids of shape [batch, sequence_length]
(0 = padding). Id ranges are recorded in the transformed schema, so the
Trainer knows each one's number of buckets. The label becomes `<label>_xf`.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
from tensorflow_transform import schema_inference

LABEL_VOCABULARY = "label"


def transformed_name(name: str) -> str:
    """The output key for a transformed column."""
    return f"{name}_xf"


def to_dense(x: Any, fill_value: Any = None) -> tf.Tensor:
    """A dense tensor from a column, missing entries filled: [batch] for scalar columns.

    Scalar columns with missing values arrive as SparseTensor (or RaggedTensor);
    a column that is always present arrives dense with shape [batch] or
    [batch, 1]; a fixed-length list column keeps its shape [batch, k].
    """
    if fill_value is None:
        fill_value = "" if x.dtype == tf.string else 0
    if x.dtype == tf.string:
        default = tf.constant(str(fill_value), tf.string)
    else:
        default = tf.cast(tf.constant(fill_value), x.dtype)
    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.to_dense(tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]), default_value=default)
    elif isinstance(x, tf.RaggedTensor):
        x = x.to_tensor(default_value=default, shape=[None, 1])
    if x.shape.rank == 2 and x.shape[1] == 1:
        x = tf.squeeze(x, axis=1)
    return x


def _as_string(x: tf.Tensor) -> tf.Tensor:
    return x if x.dtype == tf.string else tf.strings.as_string(x)


def _ids_in_range(ids: tf.Tensor, num_buckets: int) -> tf.Tensor:
    schema_inference.set_tensor_schema_override(
        ids, tf.constant(0, tf.int64), tf.constant(num_buckets - 1, tf.int64)
    )
    return ids


def transform_feature(name: str, x: Any, config: dict[str, Any]) -> tf.Tensor:
    """One declared column -> its model input."""
    kind = config["transform"]
    fill = config.get("fill_value")
    if kind == "vocabulary":
        return tft.compute_and_apply_vocabulary(
            _as_string(to_dense(x, fill)),
            top_k=config.get("top_k"),
            num_oov_buckets=config.get("num_oov_buckets", 1),
            vocab_filename=f"vocab_{name}",
        )
    if kind == "hash":
        ids = tf.strings.to_hash_bucket_fast(_as_string(to_dense(x, fill)), config["num_buckets"])
        return _ids_in_range(ids, config["num_buckets"])
    if kind == "text":
        return transform_text(name, x, config)
    numeric = tf.cast(to_dense(x, fill), tf.float32)
    if kind == "bucketize":
        return tft.bucketize(numeric, config["num_buckets"])
    if kind == "zscore":
        out = tft.scale_to_z_score(numeric)
    elif kind == "scale_0_1":
        out = tft.scale_to_0_1(numeric)
    elif kind == "passthrough":
        out = numeric
    else:
        raise ValueError(f"unknown transform '{kind}' for column '{name}'")
    return tf.expand_dims(out, -1) if out.shape.rank == 1 else out


DEFAULT_SEQUENCE_LENGTH = 200


def tokenize(text: tf.Tensor) -> tf.RaggedTensor:
    """Lower-cased word tokens; HTML line breaks and punctuation become spaces."""
    text = tf.strings.lower(text)
    text = tf.strings.regex_replace(text, r"<br\s*/?>", " ")
    text = tf.strings.regex_replace(text, r"[^a-z0-9']+", " ")
    return tf.strings.split(text)


def transform_text(name: str, x: Any, config: dict[str, Any]) -> tf.Tensor:
    """Token ids from a vocabulary over the training text, shifted by one so 0 pads."""
    vocab_name = f"vocab_{name}"
    num_oov = config.get("num_oov_buckets", 1)
    length = config.get("sequence_length") or DEFAULT_SEQUENCE_LENGTH
    tokens = tokenize(to_dense(x, config.get("fill_value") or ""))
    ids = tft.compute_and_apply_vocabulary(tokens, top_k=config.get("top_k"), num_oov_buckets=num_oov,
                                           vocab_filename=vocab_name)
    padded = (ids + 1).to_tensor(default_value=0, shape=[None, length])
    size = tft.experimental.get_vocabulary_size_by_name(vocab_name)
    schema_inference.set_tensor_schema_override(
        padded, tf.constant(0, tf.int64), tf.cast(size, tf.int64) + num_oov
    )
    return padded


def transform_label(x: Any, task: str) -> tf.Tensor:
    """The label as the Trainer and TFMA need it.

    Classification labels become ids 0..n-1 with their range in the schema
    (strings through a vocabulary, integers as they are); regression labels
    become float32.
    """
    label = to_dense(x)
    if task == "regression":
        return tf.cast(label, tf.float32)
    if label.dtype == tf.string:
        return tft.compute_and_apply_vocabulary(label, num_oov_buckets=0, vocab_filename=LABEL_VOCABULARY)
    label = tf.cast(label, tf.int64)
    schema_inference.set_tensor_schema_override(label, tf.constant(0, tf.int64), tft.max(label))
    return label


def preprocessing_fn(inputs: dict[str, Any], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """tf.Transform entry point: declared features plus the label."""
    outputs = {
        transformed_name(name): transform_feature(name, inputs[name], config)
        for name, config in custom_config["features"].items()
    }
    label = custom_config["label"]
    outputs[transformed_name(label)] = transform_label(inputs[label], custom_config["task"])
    return outputs
