"""The Trainer's reading of Transform's examples: the same tensors TFX's tf_dataset_factory gives, in file order
into memory, shuffled in batches when streamed."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft
from tfx.components.util import tfxio_utils
from tfx.proto import example_gen_pb2
from tfx_bsl.public import tfxio

from tfxkit.modules.training_data import load_in_memory, make_dataset

# Transform's transformed schema as tf.Transform writes it: scalars (shape {}), a fixed-size vector, each type.
SCHEMA = """
feature { name: "row" type: INT shape {} presence { min_fraction: 1.0 } }
feature { name: "x_xf" type: FLOAT shape {} presence { min_fraction: 1.0 } }
feature { name: "v_xf" type: FLOAT shape { dim { size: 3 } } presence { min_fraction: 1.0 } }
feature { name: "c_xf" type: BYTES shape {} presence { min_fraction: 1.0 } }
feature { name: "y_xf" type: INT shape {} presence { min_fraction: 1.0 } }
"""


def example(row: int) -> bytes:
    feature = {
        "row": tf.train.Feature(int64_list=tf.train.Int64List(value=[row])),
        "x_xf": tf.train.Feature(float_list=tf.train.FloatList(value=[row / 7])),
        "v_xf": tf.train.Feature(float_list=tf.train.FloatList(value=[row, -row, row * 0.5])),
        "c_xf": tf.train.Feature(bytes_list=tf.train.BytesList(value=[f"c{row % 5}".encode()])),
        "y_xf": tf.train.Feature(int64_list=tf.train.Int64List(value=[row % 2])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def write(path: str, rows: range, gzipped: bool = True) -> None:
    with tf.io.TFRecordWriter(path, "GZIP" if gzipped else None) as out:
        for row in rows:
            out.write(example(row))


@pytest.fixture()
def transform_output(tmp_path) -> tft.TFTransformOutput:
    metadata = tmp_path / "graph" / tft.TFTransformOutput.TRANSFORMED_METADATA_DIR
    metadata.mkdir(parents=True)
    (metadata / "schema.pbtxt").write_text(SCHEMA)
    return tft.TFTransformOutput(str(tmp_path / "graph"))


@pytest.fixture()
def split(tmp_path) -> str:
    """A split of three shard files of unequal size (TFX's factory interleaves them record by record)."""
    folder = tmp_path / "Split-train"
    folder.mkdir()
    for i, rows in enumerate([range(0, 5000), range(5000, 5003), range(5003, 9000)]):
        write(str(folder / f"transformed_examples-{i:05d}-of-00003.gz"), rows)
    return str(folder / "*")


def tfx_factory_arrays(files: list[str], output: tft.TFTransformOutput) -> tuple[dict, np.ndarray]:
    """What TFX's Trainer would read: its DataAccessor's tf_dataset_factory over the same files."""
    made = tfxio_utils.make_tfxio(file_pattern=files, telemetry_descriptors=["test"],
                                  payload_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
                                  schema=output.transformed_metadata.schema)
    options = tfxio.TensorFlowDatasetOptions(batch_size=1000, label_key="y_xf", num_epochs=1, shuffle=False)
    batches = list(made.TensorFlowDataset(options).as_numpy_iterator())
    return ({key: np.concatenate([x[key] for x, _ in batches]) for key in batches[0][0]},
            np.concatenate([y for _, y in batches]))


def test_the_same_arrays_as_tfx_factory(split, transform_output):
    features, labels = load_in_memory([split], transform_output, "y_xf")
    theirs, their_labels = tfx_factory_arrays([split], transform_output)
    assert sorted(features) == sorted(theirs) == ["c_xf", "row", "v_xf", "x_xf"]
    ours_order, their_order = np.argsort(features["row"]), np.argsort(theirs["row"])
    for key in theirs:
        assert features[key].dtype == theirs[key].dtype, key
        assert features[key].shape == theirs[key].shape == ((9000, 3) if key == "v_xf" else (9000,)), key
        np.testing.assert_array_equal(features[key][ours_order], theirs[key][their_order], err_msg=key)
    np.testing.assert_array_equal(labels[ours_order], their_labels[their_order])


def test_rows_come_in_file_order(split, transform_output):
    features, labels = load_in_memory([split], transform_output, "y_xf")
    np.testing.assert_array_equal(features["row"], np.arange(9000))
    np.testing.assert_array_equal(labels, np.arange(9000) % 2)


def test_plain_tfrecord_files(tmp_path, transform_output):
    write(str(tmp_path / "part-0"), range(10), gzipped=False)
    features, _ = load_in_memory([str(tmp_path / "part-*")], transform_output, "y_xf")
    np.testing.assert_array_equal(features["row"], np.arange(10))


def test_mixed_compression_is_refused(tmp_path, transform_output):
    write(str(tmp_path / "a.gz"), range(3))
    write(str(tmp_path / "b"), range(3), gzipped=False)
    with pytest.raises(ValueError, match="mix gzipped and plain"):
        load_in_memory([str(tmp_path / "*")], transform_output, "y_xf")


def test_larger_than_the_budget_is_none(split, transform_output):
    assert load_in_memory([split], transform_output, "y_xf", max_bytes=10_000) is None


def test_a_label_transform_did_not_output_is_named(split, transform_output):
    with pytest.raises(ValueError, match="'tips_xf' is not among Transform's outputs"):
        load_in_memory([split], transform_output, "tips_xf")


def test_an_empty_split(tmp_path, transform_output):
    write(str(tmp_path / "empty.gz"), range(0))
    features, labels = load_in_memory([os.path.join(tmp_path, "*.gz")], transform_output, "y_xf")
    assert features == {} and labels.shape == (0,)


def streamed(split: str, output: tft.TFTransformOutput, seed: int | None, batch_size: int = 128) -> list[tuple]:
    return [(x, y) for x, y in make_dataset([split], output, "y_xf", batch_size, shuffle=True, seed=seed)
            .as_numpy_iterator()]


def test_streamed_batches_hold_every_row_once_shuffled_as_tfx_shuffles(split, transform_output):
    batches = streamed(split, transform_output, seed=7)
    rows = np.concatenate([x["row"] for x, _ in batches])
    assert sorted(rows.tolist()) == list(range(9000))
    assert rows.tolist() != list(range(9000))
    assert [len(y) for _, y in batches[:-1]] == [128] * (len(batches) - 1)
    theirs, their_labels = tfx_factory_arrays([split], transform_output)
    order = np.argsort(rows)
    for key in theirs:
        ours = np.concatenate([x[key] for x, _ in batches])[order]
        np.testing.assert_array_equal(ours, theirs[key][np.argsort(theirs["row"])], err_msg=key)
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches])[order], rows[order] % 2)


def test_a_seed_repeats_the_streamed_order(split, transform_output):
    first, again = (np.concatenate([x["row"] for x, _ in streamed(split, transform_output, seed=3)]) for _ in "12")
    np.testing.assert_array_equal(first, again)
    other = np.concatenate([x["row"] for x, _ in streamed(split, transform_output, seed=4)])
    assert first.tolist() != other.tolist()


def test_streaming_names_a_missing_label(split, transform_output):
    with pytest.raises(ValueError, match="'tips_xf' is not among Transform's outputs"):
        make_dataset([split], transform_output, "tips_xf", 128, shuffle=True)


def test_keras_fits_on_the_streamed_splits(split, transform_output):
    """A split over the in-memory budget is streamed: fit_inputs' datasets train a Keras model as arrays would."""
    import tf_keras as keras

    from tfxkit.modules.training_data import fit_inputs

    data = fit_inputs([split], [split], transform_output, "y_xf", batch_size=256, max_bytes=1, seed=1)
    assert isinstance(data["x"], tf.data.Dataset) and "y" not in data
    inputs = {"x_xf": keras.Input(shape=(), name="x_xf"), "v_xf": keras.Input(shape=(3,), name="v_xf")}
    joined = keras.layers.Concatenate()([keras.layers.Reshape((1,))(inputs["x_xf"]), inputs["v_xf"]])
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(joined))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(**data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 2
    assert sum(len(y) for _, y in data["x"].as_numpy_iterator()) == 9000  # each epoch a whole pass
