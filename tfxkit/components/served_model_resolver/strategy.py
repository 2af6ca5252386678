"""The model being served: the Model behind the newest successful push (the Trainer's base for warm start).

TFX's LatestBlessedModelStrategy answers "the newest model the Evaluator
blessed", which is not always what is served: a pipeline without thresholds
pushes models nobody blessed. The served model is the one the newest
PushedModel (pushed == 1) was pushed from, read from the Pusher's input in MLMD.
"""

from typing import Dict, List, Optional

import ml_metadata as mlmd
from ml_metadata.proto import metadata_store_pb2
from tfx import types
from tfx.dsl.components.common import resolver

MODEL_KEY, PUSHED_MODEL_KEY = "model", "pushed_model"
_OUTPUT = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
_INPUT = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)


class LatestPushedModelStrategy(resolver.ResolverStrategy):
    """Resolves `model` to the model of the newest successful push (and `pushed_model` to that push)."""

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: Dict[str, List[types.Artifact]]
    ) -> Optional[Dict[str, List[types.Artifact]]]:
        models = {m.id: m for m in input_dict.get(MODEL_KEY, [])}
        pushes = sorted((p for p in input_dict.get(PUSHED_MODEL_KEY, []) if p.get_int_custom_property("pushed") == 1),
                        key=lambda p: p.id, reverse=True)
        for push in pushes:
            model_id = pushed_from(store, push.id)
            if model_id in models:
                return {MODEL_KEY: [models[model_id]], PUSHED_MODEL_KEY: [push]}
        return {MODEL_KEY: [], PUSHED_MODEL_KEY: []}


def pushed_from(store: mlmd.MetadataStore, pushed_model_id: int) -> Optional[int]:
    """The id of the Model the Pusher read when it wrote this PushedModel."""
    producers = [e.execution_id for e in store.get_events_by_artifact_ids([pushed_model_id]) if e.type in _OUTPUT]
    if not producers:
        return None
    for event in store.get_events_by_execution_ids(producers[:1]):
        if event.type in _INPUT and any(step.key == MODEL_KEY for step in event.path.steps):
            return event.artifact_id
    return None
