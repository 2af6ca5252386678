"""Regenerate the vendored example data from scikit-learn's bundled datasets.

    .venv/bin/python data/make_datasets.py

- digits/digits.tfrecord.gz: the 1,797 8x8 digit images as tf.Examples with a
  `pixels` float list (64 values, 0-16) and an int64 `label` (0-9).
- diabetes/diabetes.csv: the 442-patient diabetes regression data (raw,
  unscaled features) with the target as `progression`.

The output is deterministic; tests/data/test_example_data.py checks the files
against scikit-learn's copies.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIABETES_COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def write_digits(path: Path) -> None:
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for pixels, label in zip(digits.data, digits.target):
            example = tf.train.Example(features=tf.train.Features(feature={
                "pixels": tf.train.Feature(float_list=tf.train.FloatList(value=[float(v) for v in pixels])),
                "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
            }))
            writer.write(example.SerializeToString())


def write_diabetes(path: Path) -> None:
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(DIABETES_COLUMNS + ["progression"])
        for row, target in zip(data.data, data.target):
            out.writerow([f"{v:g}" for v in row] + [f"{target:g}"])


if __name__ == "__main__":
    write_digits(HERE / "digits" / "digits.tfrecord.gz")
    write_diabetes(HERE / "diabetes" / "diabetes.csv")
