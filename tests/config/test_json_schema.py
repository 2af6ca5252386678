"""The exported JSON Schema accepts the example pipelines and rejects what the loader rejects."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.config.json_schema import spec_json_schema

PIPELINES = sorted((REPO_ROOT / "pipelines").glob("*.yaml"))


@pytest.mark.parametrize("path", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_example_pipelines_match_the_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), spec_json_schema())


@pytest.mark.parametrize("path", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_example_pipelines_validate(path):
    result = run_cli("validate", str(path.relative_to(REPO_ROOT)))
    assert result.code == 0, result.stderr


def test_schema_rejects_unknown_keys_and_bad_transform_names():
    spec = yaml.safe_load((REPO_ROOT / "pipelines/penguin.yaml").read_text())
    spec["trainer"]["epocs"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, spec_json_schema())
    spec = yaml.safe_load((REPO_ROOT / "pipelines/penguin.yaml").read_text())
    spec["transform"]["features"]["island"] = "zscroe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, spec_json_schema())


def test_schema_command_writes_a_file(tmp_path):
    out = tmp_path / "tfxkit.schema.json"
    result = run_cli("schema", "-o", str(out))
    assert result.code == 0
    assert json.loads(out.read_text())["title"] == "tfxkit pipeline spec (version 1)"
