"""`push.destinations`: named folders, the pipeline pushing to the first; one way of naming where it pushes."""

from __future__ import annotations

import pytest

from tests.config.test_trainer_section import CSV, HEAD, first_error
from tfxkit.config.load import load_spec

MODEL = "model: {task: binary}\n"


@pytest.mark.parametrize("body, expected", [
    ("push:\n  destination: out\n  destinations: {staging: s}\n",
     "10:3: push: give push.destination or push.destinations, not both (the pipeline pushes to the first of "
     "destinations)"),
    ("push:\n  destinations: {}\n",
     "10:17: push.destinations: name at least one destination, e.g. {staging: serving/staging}"),
    ("push:\n  destinations: {2nd: s}\n",
     "10:17: push.destinations: '2nd' is not a name (letters, digits and _, not starting with a digit)"),
    ("push:\n  destinations: {staging: 3}\n", "10:27: push.destinations.staging: expected a string, got 3"),
])
def test_bad_destinations(tmp_path, body, expected):
    assert first_error(tmp_path, MODEL + body) == expected


def test_the_pipeline_pushes_to_the_first_destination_and_relative_folders_resolve_from_the_spec(tmp_path):
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + MODEL + "push:\n  destinations: {staging: serving/staging, production: /srv/prod}\n")
    loaded = load_spec(spec)
    assert loaded.resolve(loaded.spec.push_destination()) == str(tmp_path / "serving/staging")
    assert loaded.destinations() == {"staging": str(tmp_path / "serving/staging"), "production": "/srv/prod"}
    assert list(loaded.resolved()["push"]["destinations"].items()) == list(loaded.destinations().items())


def test_without_destinations_the_default_is_unchanged(tmp_path):
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + MODEL)
    loaded = load_spec(spec)
    assert loaded.spec.push_destination().endswith("serving") and loaded.destinations() == {}
