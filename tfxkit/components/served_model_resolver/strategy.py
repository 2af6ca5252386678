"""The model being served: the Trainer's base for warm start.

TFX's LatestBlessedModelStrategy answers "the newest model the Evaluator
blessed", which is not always what is served: a pipeline without thresholds
pushes models nobody blessed, and a rollback serves an older model again. The
served model is the one behind the version a server loads
(`tfxkit.metadata.serving`), read from its push's `model` input in MLMD.
"""

from typing import Dict, List, Optional

import ml_metadata as mlmd
from tfx import types
from tfx.dsl.components.common import resolver

from tfxkit.metadata.serving import pushed_from, serving_order, tfx_push_records

MODEL_KEY, PUSHED_MODEL_KEY = "model", "pushed_model"

__all__ = ["LatestPushedModelStrategy", "pushed_from"]


class LatestPushedModelStrategy(resolver.ResolverStrategy):
    """Resolves `model` to the model being served (and `pushed_model` to the push it is served from)."""

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: Dict[str, List[types.Artifact]]
    ) -> Optional[Dict[str, List[types.Artifact]]]:
        models = {m.id: m for m in input_dict.get(MODEL_KEY, [])}
        pushes = {p.id: p for p in input_dict.get(PUSHED_MODEL_KEY, [])}
        records = tfx_push_records(pushes.values())  # pushes that pushed; promotions flagged (left out of the order)
        for record in serving_order(records):
            model_id = pushed_from(store, record.id)
            if model_id in models:
                return {MODEL_KEY: [models[model_id]], PUSHED_MODEL_KEY: [pushes[record.id]]}
        return {MODEL_KEY: [], PUSHED_MODEL_KEY: []}
