"""The Evaluator's baseline: the latest blessed model, never the candidate itself."""

from __future__ import annotations

import pytest

pytest.importorskip("tfx")

from tfx.types import standard_artifacts  # noqa: E402

from tfxkit.components.baseline_resolver.strategy import CANDIDATE_KEY, LatestBlessedOtherModelStrategy  # noqa: E402


def _model(artifact_id: int) -> standard_artifacts.Model:
    model = standard_artifacts.Model()
    model.id = artifact_id
    return model


def _blessing(model_id: int, blessed: bool) -> standard_artifacts.ModelBlessing:
    blessing = standard_artifacts.ModelBlessing()
    blessing.id = 100 + model_id
    blessing.set_int_custom_property("current_model_id", model_id)
    blessing.set_int_custom_property("blessed", int(blessed))
    return blessing


def _resolve(models: list[int], blessed: dict[int, bool], candidate: int) -> dict:
    inputs = {"model": [_model(i) for i in models],
              "model_blessing": [_blessing(i, ok) for i, ok in blessed.items()],
              CANDIDATE_KEY: [_model(candidate)]}
    return LatestBlessedOtherModelStrategy().resolve_artifacts(None, inputs)


def test_the_newest_blessed_model_other_than_the_candidate_is_the_baseline():
    # Model 3 is the candidate (a cached Trainer's output, blessed by an earlier run): TFX's own strategy would
    # pick it and compare it with itself.
    resolved = _resolve([1, 2, 3], {1: True, 2: False, 3: True}, candidate=3)
    assert [m.id for m in resolved["model"]] == [1]
    assert [b.get_int_custom_property("current_model_id") for b in resolved["model_blessing"]] == [1]
    assert [m.id for m in resolved[CANDIDATE_KEY]] == [3]


def test_no_baseline_when_only_the_candidate_was_ever_blessed():
    resolved = _resolve([1, 2], {1: False, 2: True}, candidate=2)
    assert resolved["model"] == [] and resolved["model_blessing"] == []


# -- the model being served (ServedModelStrategy) ---------------------------------------------------------------


class _Store:
    """Real MLMD pushes: a Pusher or rollback execution that read a Model and wrote a PushedModel."""

    def __init__(self, tmp_path):
        from ml_metadata import metadata_store
        from ml_metadata.proto import metadata_store_pb2 as mlmd

        config = mlmd.ConnectionConfig()
        config.sqlite.filename_uri = str(tmp_path / "metadata.sqlite")
        self.mlmd, self.pb = metadata_store.MetadataStore(config), mlmd
        self.serving = tmp_path / "serving"
        self.models: dict[int, standard_artifacts.Model] = {}
        self.pushes: list[standard_artifacts.PushedModel] = []

    def model(self) -> standard_artifacts.Model:
        model = standard_artifacts.Model()
        type_id = self.mlmd.put_artifact_type(self.pb.ArtifactType(name="Model"))
        [model.id] = self.mlmd.put_artifacts([self.pb.Artifact(type_id=type_id, uri="/m")])
        self.models[model.id] = model
        return model

    def push(self, model: standard_artifacts.Model, version: int, present: bool = True,
             promoted_to: str | None = None) -> None:
        """A push to `serving/<version>`; `promoted_to`: a promotion to `<promoted_to>/<version>` instead."""
        push = standard_artifacts.PushedModel()
        type_id = self.mlmd.put_artifact_type(self.pb.ArtifactType(name="PushedModel"))
        [push.id] = self.mlmd.put_artifacts([self.pb.Artifact(type_id=type_id, uri="/p")])
        folder = (self.serving.parent / promoted_to if promoted_to else self.serving) / str(version)
        push.set_int_custom_property("pushed", 1)
        push.set_string_custom_property("pushed_destination", str(folder))
        if promoted_to:
            push.set_string_custom_property("promoted_to", promoted_to)
        if present:
            folder.mkdir(parents=True)
        execution_type = self.mlmd.put_execution_type(self.pb.ExecutionType(name="Pusher"))
        [execution] = self.mlmd.put_executions([self.pb.Execution(type_id=execution_type)])
        events = []
        for artifact, kind, key in ((model, self.pb.Event.INPUT, "model"), (push, self.pb.Event.OUTPUT, "pushed_model")):
            event = self.pb.Event(artifact_id=artifact.id, execution_id=execution, type=kind)
            event.path.steps.add().key = key
            events.append(event)
        self.mlmd.put_events(events)
        self.pushes.append(push)

    def resolve(self, candidate: standard_artifacts.Model, blessed: list[int]) -> dict:
        from tfxkit.components.baseline_resolver.strategy import ServedModelStrategy

        return ServedModelStrategy().resolve_artifacts(self.mlmd, {
            "model": list(self.models.values()), "model_blessing": [_blessing(i, True) for i in blessed],
            "pushed_model": list(self.pushes), CANDIDATE_KEY: [candidate]})


def test_after_a_rollback_the_baseline_is_the_rolled_back_to_model_not_the_newest_blessed_one(tmp_path):
    store = _Store(tmp_path)
    first, second, candidate = store.model(), store.model(), store.model()
    store.push(first, 100)
    store.push(second, 200)
    store.push(first, 300)  # the rollback: version 1's model as a new highest version
    resolved = store.resolve(candidate, blessed=[first.id, second.id])
    assert [m.id for m in resolved["model"]] == [first.id]
    assert [b.get_int_custom_property("current_model_id") for b in resolved["model_blessing"]] == [first.id]
    assert [p.get_string_custom_property("pushed_destination") for p in resolved["pushed_model"]] == \
        [str(store.serving / "300")]


def test_the_highest_version_present_serves_not_the_newest_record(tmp_path):
    store = _Store(tmp_path)
    low, high, gone, candidate = store.model(), store.model(), store.model(), store.model()
    store.push(high, 500)
    store.push(low, 400)  # recorded later, lower version (two pushes finished out of order)
    store.push(gone, 600, present=False)  # its folder was removed: it serves nothing
    assert [m.id for m in store.resolve(candidate, blessed=[])["model"]] == [high.id]


def test_when_the_candidate_is_the_served_model_the_baseline_is_the_next_version_down(tmp_path):
    store = _Store(tmp_path)
    first, second = store.model(), store.model()
    store.push(first, 100)
    store.push(second, 200)
    assert [m.id for m in store.resolve(second, blessed=[first.id, second.id])["model"]] == [first.id]


def test_with_nothing_served_the_baseline_is_the_latest_blessed_model_other_than_the_candidate(tmp_path):
    store = _Store(tmp_path)
    first, second, candidate = store.model(), store.model(), store.model()
    resolved = store.resolve(candidate, blessed=[first.id, second.id])
    assert [m.id for m in resolved["model"]] == [second.id] and resolved["pushed_model"] == []


def test_a_promotion_to_another_destination_does_not_change_the_baseline(tmp_path):
    store = _Store(tmp_path)
    first, second, candidate = store.model(), store.model(), store.model()
    store.push(first, 100)
    store.push(second, 200)
    store.push(first, 900, promoted_to="production")  # the newest push, the highest version: in production
    resolved = store.resolve(candidate, blessed=[first.id, second.id])
    assert [m.id for m in resolved["model"]] == [second.id]  # what the pipeline's own destination serves
    assert [p.get_string_custom_property("pushed_destination") for p in resolved["pushed_model"]] == \
        [str(store.serving / "200")]
