"""Which pushed model a model server serves: the one decision every reader of "the served model" shares.

TF Serving, and anything else polling a push destination, serves the highest
numbered version folder present under it. MLMD records every push (a
PushedModel with `pushed_destination` = `<base>/<version>`), but neither the
newest record nor the newest blessed model is necessarily what serves: a
rollback puts an older model back as a new highest version, two pushes that
ran at once may finish out of order, and a removed folder serves nothing.

`serving_order` ranks pushes the way a server would fall back through them:
the pipeline's destination is the newest push's base folder; the version
folders present there, highest first, and no removed one. A promotion
(`tfxkit promote`, a PushedModel carrying `promoted_to`) copies a model into
another named destination: it is never the pipeline's push, so the newest push
that was not promoted names the pipeline's destination, and a promotion cannot
change what the pipeline calls the served model. `serving_in` answers the same
question for any one destination (what `models` shows per destination). When none is present
on this machine (a destination only a cluster sees, or an audit run elsewhere)
MLMD's newest push stands in. The Evaluator's baseline, the warm start's base
model, the drift baseline, `lineage latest`, `models` and `rollback` all read
the served model through here. Only the standard library and ml_metadata.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

from ml_metadata.proto import metadata_store_pb2

from tfxkit.metadata.keys import PROMOTED_TO

MODEL_KEY = "model"  # the Pusher's (and a rollback's) input: the Model the push holds
_OUTPUT = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
_INPUT = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)


@dataclass(frozen=True)
class PushRecord:
    """One successful push: its PushedModel id, the version folder it wrote, and (a promotion) the named
    destination it was promoted to."""

    id: int
    folder: str  # pushed_destination: <base>/<version>
    promoted_to: str | None = None  # a promotion's destination name; None for the pipeline's pushes and rollbacks

    @property
    def base(self) -> str:
        return os.path.dirname(self.folder.rstrip("/"))

    @property
    def version(self) -> int | None:
        name = os.path.basename(self.folder.rstrip("/"))
        return int(name) if name.isdigit() else None


def push_record(artifact_id: int, properties: Mapping[str, object]) -> PushRecord | None:
    """The PushRecord of a PushedModel from its custom properties; None when it did not push (pushed != 1).

    Every reader builds its records here (the resolvers from TFX artifacts through `tfx_push_records`, the audits
    from tfxkit's Store), so the promotion flag is read the same way by all of them.
    """
    if int(properties.get("pushed") or 0) != 1:
        return None
    return PushRecord(artifact_id, str(properties.get("pushed_destination") or ""),
                      str(properties.get(PROMOTED_TO) or "") or None)


def tfx_push_records(artifacts: Iterable) -> list[PushRecord]:
    """PushRecords of TFX PushedModel artifacts (a resolver strategy's input), leaving out those that did not push."""
    records = []
    for a in artifacts:
        properties = {"pushed": a.get_int_custom_property("pushed"),
                      "pushed_destination": a.get_string_custom_property("pushed_destination"),
                      PROMOTED_TO: a.get_string_custom_property(PROMOTED_TO)}
        record = push_record(a.id, properties)
        if record is not None:
            records.append(record)
    return records


def serving_order(pushes: Iterable[PushRecord], present: Callable[[str], bool] = os.path.isdir) -> list[PushRecord]:
    """The pipeline's pushes as a model server falls back through them: the served one first (see the module
    docstring). Promotions are left out: they serve from other destinations.

    Removed version folders are left out; when no folder is present at all, every push is kept, newest first.
    """
    pushes = sorted((p for p in pushes if p.promoted_to is None), key=lambda p: p.id, reverse=True)
    if not pushes:
        return []
    return serving_in(pushes, pushes[0].base, present) or pushes


def serving_in(pushes: Iterable[PushRecord], base: str, present: Callable[[str], bool] = os.path.isdir
               ) -> list[PushRecord]:
    """The pushes whose version folder is present under `base`, highest version first: what a server polling
    that destination falls back through (the first serves). Pipeline pushes, rollbacks and promotions alike."""
    here = [p for p in pushes if p.base == base.rstrip("/") and p.version is not None and present(p.folder)]
    return sorted(here, key=lambda p: (p.version, p.id), reverse=True)


def serving(pushes: Iterable[PushRecord], present: Callable[[str], bool] = os.path.isdir) -> PushRecord | None:
    """The push being served (None before the first push)."""
    order = serving_order(pushes, present)
    return order[0] if order else None


def pushed_from(store, pushed_model_id: int) -> Optional[int]:
    """The id of the Model a push read (a Pusher's or a rollback's `model` input), from a raw MLMD store.

    For TFX's resolver strategies, which are handed ml_metadata's own store.
    """
    producers = [e.execution_id for e in store.get_events_by_artifact_ids([pushed_model_id]) if e.type in _OUTPUT]
    if not producers:
        return None
    for event in store.get_events_by_execution_ids(producers[:1]):
        if event.type in _INPUT and any(step.key == MODEL_KEY for step in event.path.steps):
            return event.artifact_id
    return None
