"""The served model resolved from MLMD: the model the newest successful push was pushed from."""

from __future__ import annotations

import pytest

pytest.importorskip("tfx")

from ml_metadata import metadata_store  # noqa: E402
from ml_metadata.proto import metadata_store_pb2 as mlmd  # noqa: E402
from tfx.types import standard_artifacts  # noqa: E402

from tfxkit.components.served_model_resolver.strategy import LatestPushedModelStrategy  # noqa: E402


@pytest.fixture
def store(tmp_path):
    config = mlmd.ConnectionConfig()
    config.sqlite.filename_uri = str(tmp_path / "metadata.sqlite")
    return metadata_store.MetadataStore(config)


def _artifact(store, cls, pushed: int | None = None):
    artifact = cls()
    type_id = store.put_artifact_type(mlmd.ArtifactType(name=cls.TYPE_NAME))
    proto = mlmd.Artifact(type_id=type_id, uri=f"/tmp/{cls.TYPE_NAME}")
    [artifact.id] = store.put_artifacts([proto])
    artifact.type_id = type_id
    if pushed is not None:
        artifact.set_int_custom_property("pushed", pushed)
    return artifact


def _push(store, model, push) -> None:
    """A Pusher execution that read `model` and wrote `push`, as TFX records it."""
    type_id = store.put_execution_type(mlmd.ExecutionType(name="tfx.components.pusher.component.Pusher"))
    [execution] = store.put_executions([mlmd.Execution(type_id=type_id)])
    events = []
    for artifact, kind, key in ((model, mlmd.Event.INPUT, "model"), (push, mlmd.Event.OUTPUT, "pushed_model")):
        event = mlmd.Event(artifact_id=artifact.id, execution_id=execution, type=kind)
        event.path.steps.add().key = key
        events.append(event)
    store.put_events(events)


def test_the_model_of_the_newest_successful_push_is_served(store):
    first, second, third = (_artifact(store, standard_artifacts.Model) for _ in range(3))
    pushed_first = _artifact(store, standard_artifacts.PushedModel, pushed=1)
    pushed_second = _artifact(store, standard_artifacts.PushedModel, pushed=1)
    not_pushed_third = _artifact(store, standard_artifacts.PushedModel, pushed=0)  # not blessed: not pushed
    for model, push in ((first, pushed_first), (second, pushed_second), (third, not_pushed_third)):
        _push(store, model, push)
    resolved = LatestPushedModelStrategy().resolve_artifacts(store, {
        "model": [first, second, third], "pushed_model": [pushed_first, pushed_second, not_pushed_third]})
    assert [m.id for m in resolved["model"]] == [second.id]
    assert [p.id for p in resolved["pushed_model"]] == [pushed_second.id]


def test_nothing_is_served_before_the_first_push(store):
    model = _artifact(store, standard_artifacts.Model)
    resolved = LatestPushedModelStrategy().resolve_artifacts(store, {"model": [model], "pushed_model": []})
    assert resolved == {"model": [], "pushed_model": []}
