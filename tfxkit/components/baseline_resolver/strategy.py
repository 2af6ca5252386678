"""Baseline for the Evaluator: the model being served, never the candidate itself.

A candidate must beat what users get now. That is the model a server loads
from the destination (`tfxkit.metadata.serving`), which after `tfxkit rollback`
is the rolled-back-to model, not the newest blessed one: a bad model that was
rolled back must not come back by outscoring itself.

When the served model is the candidate (the Trainer served from the cache on
a re-run), the baseline is the next version a server would fall back on:
comparing a model with itself would re-run the Evaluator and push the same
model again as a new version. With nothing served (the first runs, or every
version folder removed) the baseline is the latest blessed model other than
the candidate, as before any push.
"""

from typing import Dict, List, Optional

import ml_metadata as mlmd
from tfx import types
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy

from tfxkit.metadata.serving import pushed_from, serving_order, tfx_push_records

CANDIDATE_KEY = "candidate"
MODEL_KEY, BLESSING_KEY, PUSHED_MODEL_KEY = "model", "model_blessing", "pushed_model"


class LatestBlessedOtherModelStrategy(LatestBlessedModelStrategy):
    """Resolves `model`/`model_blessing` like TFX's strategy, skipping the `candidate` model."""

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: Dict[str, List[types.Artifact]]
    ) -> Optional[Dict[str, List[types.Artifact]]]:
        candidate = list(input_dict.get(CANDIDATE_KEY, []))
        exclude = {a.id for a in candidate}
        others = {
            key: [a for a in artifacts if a.id not in exclude]
            for key, artifacts in input_dict.items()
            if key != CANDIDATE_KEY
        }
        result = super().resolve_artifacts(store, others)
        if result is None:
            return None
        result[CANDIDATE_KEY] = candidate
        return result


class ServedModelStrategy(LatestBlessedOtherModelStrategy):
    """Resolves `model` to the served model other than the `candidate` (`model_blessing`: its blessing, if any;
    `pushed_model`: the push it is served from); see the module docstring."""

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: Dict[str, List[types.Artifact]]
    ) -> Optional[Dict[str, List[types.Artifact]]]:
        candidate = list(input_dict.get(CANDIDATE_KEY, []))
        exclude = {a.id for a in candidate}
        models = {m.id: m for m in input_dict.get(MODEL_KEY, [])}
        pushes = {p.id: p for p in input_dict.get(PUSHED_MODEL_KEY, [])}
        records = tfx_push_records(pushes.values())  # pushes that pushed; promotions flagged (left out of the order)
        for record in serving_order(records):
            model_id = pushed_from(store, record.id)
            if model_id in models and model_id not in exclude:
                blessings = sorted((b for b in input_dict.get(BLESSING_KEY, [])
                                    if b.get_int_custom_property("current_model_id") == model_id
                                    and b.get_int_custom_property("blessed") == 1), key=lambda b: b.id)
                return {MODEL_KEY: [models[model_id]], BLESSING_KEY: blessings[-1:],
                        PUSHED_MODEL_KEY: [pushes[record.id]], CANDIDATE_KEY: candidate}
        result = super().resolve_artifacts(store, {k: v for k, v in input_dict.items() if k != PUSHED_MODEL_KEY})
        if result is None:
            return None
        result[PUSHED_MODEL_KEY] = []
        return result
