"""Transform's output as `model.fit` arguments, for the Trainer and for each Tuner trial.

Both entry points (trainer.run_fn, tuning.tuner_fn) feed Keras the same way,
so the input pipeline lives below both of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
from absl import logging
from tfx_bsl.tfxio import tf_example_record


def seed_everything(seed: int | None) -> None:
    """`trainer.seed`: seed Python, NumPy and TensorFlow so weights, dropout and shuffles repeat; None leaves
    them unseeded. Called before the model is built, in the Trainer and in the Tuner alike."""
    if seed is not None:
        logging.info("tfxkit trainer: seeded with %d", seed)
        tf.keras.utils.set_random_seed(seed)


IN_MEMORY_BYTES = 1 << 30
IN_MEMORY_BATCH = 4096
SHUFFLE_BUFFER = 10_000  # records, as TFX's tf_dataset_factory shuffles by default


def _examples(files: list[str], tft_output: tft.TFTransformOutput, batch_size: int, shuffle: bool = False,
              seed: int | None = None) -> tf.data.Dataset:
    """Transform's tf.Examples (every tfxkit pipeline's Trainer input) as batches of feature tensors, parsed
    with the parser config TFX's `tf_dataset_factory` uses, so the same tensors as TFX's reading.

    TFX's factory (tfx_bsl's `TFExampleRecord.TensorFlowDataset`) interleaves the files one record at a
    time before batching: at a million rows that step took 52 s of a 76 s Trainer. Here the files are
    read one after another (in name order, or shuffled), records are shuffled in a buffer as TFX's are
    and batched as read, and batches parsed in parallel: the 800k-row train split took 1.9 s into
    memory where TFX's factory took 22 s, and 3.8 s shuffled in batches of 128 against 22 s
    (bench/README.md, Scale).
    """
    paths = sorted(path for pattern in files for path in tf.io.gfile.glob(pattern))
    gzipped = {path.endswith(".gz") for path in paths}
    if len(gzipped) > 1:  # as tfx_bsl refuses it
        raise ValueError(f"transformed examples mix gzipped and plain TFRecord files: {files}")
    compression = "GZIP" if gzipped == {True} else ""
    record = tf_example_record.TFExampleRecord(file_pattern=files, schema=tft_output.transformed_metadata.schema)
    config, tensor_names = record._GetTfExampleParserConfig()  # noqa: SLF001 (the config its own dataset parses with)

    def parse(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        return {tensor_names[name]: value for name, value in tf.io.parse_example(serialized, config).items()}

    files_in_order = tf.data.Dataset.from_tensor_slices(tf.constant(paths, tf.string))
    if shuffle:
        files_in_order = files_in_order.shuffle(max(len(paths), 1), seed=seed)
    records = files_in_order.flat_map(lambda path: tf.data.TFRecordDataset(path, compression))
    if shuffle:
        records = records.shuffle(SHUFFLE_BUFFER, seed=seed)
    return (records.batch(batch_size)
            .map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE))


def make_dataset(files: list[str], tft_output: tft.TFTransformOutput, label_key: str, batch_size: int,
                 shuffle: bool, seed: int | None = None) -> tf.data.Dataset:
    """One pass over transformed examples, batched, as (features, label)."""
    def split_label(batch: dict[str, tf.Tensor]) -> tuple[dict[str, tf.Tensor], tf.Tensor]:
        features = dict(batch)
        return features, features.pop(_label(label_key, batch))

    return _examples(files, tft_output, batch_size, shuffle, seed).map(split_label)


def _label(label_key: str, batch: dict[str, Any]) -> str:
    if label_key not in batch:
        raise ValueError(f"the label {label_key!r} is not among Transform's outputs: {sorted(batch)}")
    return label_key


def load_in_memory(
    files: list[str], tft_output: tft.TFTransformOutput, label_key: str, max_bytes: int = IN_MEMORY_BYTES,
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """A whole split as numpy arrays (features, labels), in file order, or None if it is larger than max_bytes."""
    features: dict[str, list[np.ndarray]] = {}
    labels, size = [], 0
    for batch in _examples(files, tft_output, IN_MEMORY_BATCH).as_numpy_iterator():
        y = batch.pop(_label(label_key, batch))
        for key, value in batch.items():
            features.setdefault(key, []).append(value)
        labels.append(y)
        size += y.nbytes + sum(v.nbytes for v in batch.values())
        if size > max_bytes:
            return None
    if not labels:
        return {}, np.zeros((0,))
    return {k: np.concatenate(v) for k, v in features.items()}, np.concatenate(labels)


def fit_inputs(
    train_files: list[str], eval_files: list[str], tft_output: tft.TFTransformOutput, label_key: str,
    batch_size: int, max_bytes: int = IN_MEMORY_BYTES, seed: int | None = None,
) -> dict[str, Any]:
    """`model.fit` arguments for the training and eval splits.

    Splits that fit in `max_bytes` are parsed once and trained from memory,
    where Keras shuffles and batches by index (4x the examples/s of re-reading
    gzipped TFRecords every epoch on 2 cores); larger ones are streamed.
    """
    train = load_in_memory(train_files, tft_output, label_key, max_bytes)
    evaluation = load_in_memory(eval_files, tft_output, label_key, max_bytes) if train else None
    if train and evaluation:
        logging.info("tfxkit trainer: training from memory (%d train, %d eval examples)", len(train[1]),
                     len(evaluation[1]))
        return {"x": train[0], "y": train[1], "batch_size": batch_size, "shuffle": True,
                "validation_data": evaluation}
    logging.info("tfxkit trainer: streaming examples (a split is over %d bytes)", max_bytes)
    return {"x": make_dataset(train_files, tft_output, label_key, batch_size, True, seed),
            "validation_data": make_dataset(eval_files, tft_output, label_key, batch_size, False)}
