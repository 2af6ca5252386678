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
