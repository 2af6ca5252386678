"""Custom gates on the Pusher: a before_push component's InfraBlessing that said no fails the run.

TFX's Pusher reads `blessed` on its infra_blessing input and quietly skips the
push; for the person running the pipeline that is a failed check, so the run
report says which component refused the model and why (the reason is the text
of the blessing's INFRA_NOT_BLESSED file, TFX InfraValidator's file name), and
`tfxkit run` exits 1.
"""

from __future__ import annotations

import os
from typing import Any

from tfxkit.config.load import LoadedSpec
from tfxkit.dag.plan import plan_nodes

NOT_BLESSED_FILE = "INFRA_NOT_BLESSED"
FINISHED = ("COMPLETE", "CACHED")


def infra_gate_refusal(nodes: dict[str, Any], loaded: LoadedSpec) -> tuple[str, str] | None:
    """(node id, reason) when the component feeding the Pusher's infra_blessing finished and did not bless."""
    pusher = next((n for n in plan_nodes(loaded) if n.id == "Pusher"), None)
    source = pusher.inputs.get("infra_blessing") if pusher else None
    if not source:
        return None
    node_id, _, key = source.partition(".")
    run = nodes.get(node_id)
    if run is None or run.state not in FINISHED:
        return None  # it failed or never ran: reported as that
    blessing = run.output(key)
    if blessing is None or blessing.properties.get("blessed") == 1:
        return None
    reason = "the model was not blessed for serving"
    path = os.path.join(blessing.uri, NOT_BLESSED_FILE)
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as fh:
            reason = fh.read().strip() or reason
    return node_id, reason
