"""Baseline for the Evaluator: the latest blessed model other than the candidate.

TFX's LatestBlessedModelStrategy resolves before the Trainer, so when the
Trainer is served from the cache the "baseline" is the candidate itself: the
Evaluator then re-runs to compare a model with itself and the Pusher pushes
the same model again as a new version. Excluding the candidate keeps an
unchanged re-run fully cached and never re-pushes an identical model.
"""

from typing import Dict, List, Optional

import ml_metadata as mlmd
from tfx import types
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy

CANDIDATE_KEY = "candidate"


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
