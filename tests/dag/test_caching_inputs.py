"""What makes a cached result stale: content-addressed staging and the up-to-date fingerprint."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT
from tfxkit.config.load import load_spec
from tfxkit.dag.staging import content_addressed_copy
from tfxkit.metadata.connection import connection_config, open_store
from tfxkit.metadata.keys import PIPELINE
from tfxkit.metadata.store import Store
from tfxkit.runners.up_to_date import inputs_fingerprint, record_outcome, run_fingerprint, up_to_date_outcome


def test_staged_copy_changes_name_with_content(tmp_path):
    schema = tmp_path / "schema.pbtxt"
    schema.write_text('feature { name: "a" }\n')
    first = content_addressed_copy(str(schema), str(tmp_path / "root"))
    assert content_addressed_copy(str(schema), str(tmp_path / "root")) == first
    schema.write_text('feature { name: "b" }\n')
    second = content_addressed_copy(str(schema), str(tmp_path / "root"))
    assert second != first
    assert Path(first).read_text() == 'feature { name: "a" }\n'
    assert Path(second).read_text() == 'feature { name: "b" }\n'


def _project(tmp_path: Path) -> Path:
    for rel in ("pipelines/penguin.yaml", "data/penguins/penguins.csv", "schemas/penguin.pbtxt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / rel, tmp_path / rel)
    return tmp_path / "pipelines/penguin.yaml"


def test_fingerprint_follows_spec_data_and_schema(tmp_path):
    spec = _project(tmp_path)
    base = inputs_fingerprint(load_spec(spec), "local", [])
    assert inputs_fingerprint(load_spec(spec), "local", []) == base
    assert inputs_fingerprint(load_spec(spec), "beam", []) != base
    assert inputs_fingerprint(load_spec(spec, {"trainer.epochs": 31}), "local", []) != base

    data = tmp_path / "data/penguins/penguins.csv"
    data.write_text(data.read_text().replace("39.1", "39.2", 1))  # one cell, same size
    assert inputs_fingerprint(load_spec(spec), "local", []) != base

    data.write_text((REPO_ROOT / "data/penguins/penguins.csv").read_text())
    assert inputs_fingerprint(load_spec(spec), "local", []) == base
    schema = tmp_path / "schemas/penguin.pbtxt"
    schema.write_text(schema.read_text() + "\n# reviewed\n")
    assert inputs_fingerprint(load_spec(spec), "local", []) != base


def test_outcome_reused_only_for_the_same_fingerprint_and_intact_push(tmp_path):
    config = connection_config(f"sqlite:///{tmp_path}/m.sqlite")
    mlmd = open_store(config)
    from ml_metadata.proto import metadata_store_pb2

    type_id = mlmd.put_context_type(metadata_store_pb2.ContextType(name="pipeline_run"))
    mlmd.put_contexts([metadata_store_pb2.Context(type_id=type_id, name="run-1")])
    store = Store(config)
    store.annotate_run("run-1", {PIPELINE: "penguin"})
    pushed = tmp_path / "serving/1"
    pushed.mkdir(parents=True)
    fingerprint = run_fingerprint("inputs", store, "penguin")
    record_outcome(store, "run-1", fingerprint, {"pushed_to": str(pushed), "not_pushed_reason": None,
                                                 "metrics": {"accuracy": 0.98}})

    assert up_to_date_outcome(store, "penguin", fingerprint)["run_id"] == "run-1"
    assert up_to_date_outcome(store, "penguin", run_fingerprint("other inputs", store, "penguin")) is None
    pushed.rmdir()
    assert up_to_date_outcome(store, "penguin", fingerprint) is None
