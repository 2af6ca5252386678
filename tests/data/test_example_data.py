"""The vendored penguins CSV is the palmerpenguins package's file with NA cells blanked."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_penguins_csv_matches_the_package():
    package = Path(importlib.util.find_spec("palmerpenguins").submodule_search_locations[0])
    original = (package / "data/penguins.csv").read_text().splitlines()
    ours = (REPO_ROOT / "data/penguins/penguins.csv").read_text().splitlines()
    assert len(ours) == len(original) == 345
    for a, b in zip(original, ours):
        assert [("" if cell == "NA" else cell) for cell in a.split(",")] == b.split(",")


def test_diabetes_csv_matches_scikit_learn():
    import csv

    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    with open(REPO_ROOT / "data/diabetes/diabetes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(data.target) == 442
    for row, features, target in zip(rows, data.data, data.target):
        assert [float(row[c]) for c in data.feature_names] == [float(f"{v:g}") for v in features]
        assert float(row["progression"]) == target


def test_digits_tfrecord_matches_scikit_learn():
    import numpy as np
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    spec = {"pixels": tf.io.FixedLenFeature([64], tf.float32), "label": tf.io.FixedLenFeature([1], tf.int64)}
    records = tf.data.TFRecordDataset(str(REPO_ROOT / "data/digits/digits.tfrecord.gz"), compression_type="GZIP")
    parsed = [tf.io.parse_single_example(r, spec) for r in records]
    assert len(parsed) == 1797
    np.testing.assert_array_equal(np.stack([p["pixels"].numpy() for p in parsed]), digits.data.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate([p["label"].numpy() for p in parsed]), digits.target)
