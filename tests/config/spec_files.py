"""A valid spec (BASE, 33 lines) beside its data and schema files, and helpers to break it one edit at a time.

Shared by the spec-error tests here and by tests of other packages that extend
BASE with a section (custom components, Beam arguments).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tfxkit.config.errors import SpecErrors
from tfxkit.config.load import load_spec

# Line numbers matter: the expected positions below refer to them.
BASE = """\
version: 1
pipeline:
  name: penguin
  root: runs
  cache: true
data:
  path: data.csv
  label: species
  split: {train: 3, eval: 1}
schema:
  file: schema.pbtxt
transform:
  features:
    bill_length_mm: zscore
    island: vocabulary
    sex: {transform: vocabulary, fill_value: unknown}
model:
  task: multiclass
  hidden_units: [16, 8]
  dropout: 0.1
trainer:
  epochs: 10
  batch_size: 16
  optimizer: adam
  learning_rate: 0.01
evaluation:
  metrics: [accuracy]
  slices: [island]
  thresholds:
    accuracy:
      lower_bound: 0.5
push:
  destination: serving
"""
#  1 version            12 transform         23   batch_size
#  2 pipeline           13   features        24   optimizer
#  3   name             14     bill_length_mm 25  learning_rate
#  4   root             15     island        26 evaluation
#  5   cache            16     sex           27   metrics
#  6 data               17 model             28   slices
#  7   path             18   task            29   thresholds
#  8   label            19   hidden_units    30     accuracy
#  9   split            20   dropout         31       lower_bound
# 10 schema             21 trainer           32 push
# 11   file             22   epochs          33   destination

CSV = """\
species,island,bill_length_mm,sex
Adelie,Torgersen,39.1,male
Gentoo,Biscoe,46.1,female
Chinstrap,Dream,49.5,female
"""

SCHEMA = """\
feature {
  name: "species"
  type: BYTES
}
feature {
  name: "island"
  type: BYTES
}
feature {
  name: "bill_length_mm"
  type: FLOAT
}
feature {
  name: "sex"
  type: BYTES
}
"""

FEATURES_BLOCK = """\
  features:
    bill_length_mm: zscore
    island: vocabulary
    sex: {transform: vocabulary, fill_value: unknown}
"""


def spec_text(*edits: tuple[str, str]) -> str:
    """BASE with each (old, new) edit applied; `old` must occur exactly once."""
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, f"edit target {old!r} is not unique in BASE"
        text = text.replace(old, new)
    return text


def write_spec(tmp_path: Path, *edits: tuple[str, str], data: bool = True, schema: bool = True,
               text: str | None = None) -> Path:
    """A spec (BASE plus edits, or `text`) in tmp_path beside its data and schema files."""
    if data:
        (tmp_path / "data.csv").write_text(CSV, encoding="utf-8")
    if schema:
        (tmp_path / "schema.pbtxt").write_text(SCHEMA, encoding="utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(spec_text(*edits) if text is None else text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        load_spec(path)
    return [str(e) for e in info.value.errors]


def expand(expected: str, path: Path) -> str:
    return expected.format(spec=path, dir=path.resolve().parent)
