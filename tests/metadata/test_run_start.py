"""A run's spec is recorded when it starts, so a run killed at any point still says which spec it ran."""

from __future__ import annotations

from ml_metadata.proto import metadata_store_pb2

from tfxkit.lineage.runs import list_runs
from tfxkit.metadata import keys
from tfxkit.metadata.store import PIPELINE_RUN, Store


def _store(tmp_path) -> tuple[Store, metadata_store_pb2.ConnectionConfig]:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(tmp_path / "metadata.sqlite")
    return Store(config), config


def test_a_started_run_has_its_spec_before_any_node_ran(tmp_path):
    store, _ = _store(tmp_path)
    store.start_run("20261204-101500-abcd", {keys.PIPELINE: "penguin", keys.SPEC: '{"a":1}', keys.SPEC_HASH: "f00d"})
    [row] = list_runs(store, "penguin")  # as `tfxkit runs` shows it after a kill -9 before the end
    assert (row.run_id, row.spec_hash, row.status) == ("20261204-101500-abcd", "f00d", "incomplete")
    assert store.run("20261204-101500-abcd").properties[keys.SPEC] == '{"a":1}'


def test_tfx_takes_the_started_context_and_keeps_the_spec(tmp_path):
    from tfx.orchestration import metadata
    from tfx.orchestration.portable.mlmd import context_lib
    from tfx.proto.orchestration import pipeline_pb2

    store, config = _store(tmp_path)
    store.start_run("run-1", {keys.PIPELINE: "penguin", keys.SPEC_HASH: "f00d"})
    spec = pipeline_pb2.ContextSpec()
    spec.type.name = PIPELINE_RUN
    spec.name.field_value.string_value = "run-1"
    with metadata.Metadata(config) as handle:  # what TFX's launcher does for each node
        [context] = context_lib.prepare_contexts(handle, pipeline_pb2.NodeContexts(contexts=[spec]))
    assert context.name == "run-1" and context.custom_properties[keys.SPEC_HASH].string_value == "f00d"
    assert len(store._store.get_contexts_by_type(PIPELINE_RUN)) == 1


def test_starting_a_run_twice_updates_it(tmp_path):
    store, _ = _store(tmp_path)
    store.start_run("run-1", {keys.PIPELINE: "penguin", keys.SPEC_HASH: "1"})
    store.start_run("run-1", {keys.PIPELINE: "penguin", keys.SPEC_HASH: "2"})
    assert store.run("run-1").properties[keys.SPEC_HASH] == "2"
