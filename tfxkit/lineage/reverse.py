"""Reverse lineage: every model trained on data from a file or folder, pushed or not, served or not.

"A bad data file was found: which served models are affected?" A recorded
data file matches when its path is the named file (or lies under the named
folder), or when its content fingerprint equals that of a file there now, so
a copy of the bad file under another name is found too. Matching reads only
the facts recorded in the store, plus the fingerprints of the named files when
they still exist.
"""

from __future__ import annotations

import os

from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.graph import Graph
from tfxkit.lineage.provenance import push_destination, pushes, served_push
from tfxkit.metadata import keys
from tfxkit.metadata.facts import sha256_of
from tfxkit.metadata.runs import recorded_facts
from tfxkit.metadata.store import Store


def _fingerprints(path: str) -> dict[str, str]:
    """sha256 -> path of the named file, or of every file under the named folder (if they exist)."""
    if os.path.isfile(path):
        return {sha256_of(path): path}
    found = {}
    for folder, _, names in os.walk(path):
        for name in names:
            full = os.path.join(folder, name)
            found[sha256_of(full)] = full
    return found


def _matches(recorded: dict, target: str, contents: dict[str, str]) -> str | None:
    """How a recorded file matches the target: 'path', 'content', or None."""
    recorded_path = os.path.abspath(recorded.get("path", ""))
    if recorded_path == target or recorded_path.startswith(target.rstrip(os.sep) + os.sep):
        return "path"
    if recorded.get("sha256") in contents:
        return "content"
    return None


def models_from_data(store: Store, path: str, pipelines: list[str]) -> dict:
    """The documented JSON of `lineage --from-data`: per model, the matching files and its push state."""
    target = os.path.abspath(path)
    contents = _fingerprints(target) if os.path.exists(target) else {}
    models = []
    for pipeline in pipelines:
        graph = Graph(store, pipeline)
        served = served_push(store, pipeline)
        served_model = graph.inputs(graph.producer(served.id), "model") if served else None
        all_pushes = pushes(store, pipeline)
        for examples in graph.artifacts_with_fact(keys.FILES):
            if examples.type != "Examples":
                continue
            matched = [{**f, "matched_by": how} for f in graph.fact(examples, keys.FILES) or []
                       if (how := _matches(f, target, contents))]
            if not matched:
                continue
            for transform in graph.consumers(examples.id, "Transform", key="examples"):
                transform_graph = graph.output(transform, "transform_graph")
                if transform_graph is None or graph.producer(transform_graph.id) != transform:
                    continue  # a cached Transform execution: its producer is listed on its own
                for trainer in graph.consumers(transform_graph.id, "Trainer", key="transform_graph"):
                    model = graph.output(trainer, "model")
                    if model is None or graph.producer(model.id) != trainer:
                        continue
                    pushed = [push_destination(p) for p in all_pushes
                              if (m := graph.inputs(graph.producer(p.id), "model")) and m.id == model.id]
                    models.append({
                        "pipeline": pipeline, "model_id": model.id, "uri": model.uri,
                        "trained_in_run": graph.run_of(trainer), "examples_id": examples.id,
                        "files": matched, "pushed_to": pushed,
                        "is_served": served_model is not None and served_model.id == model.id,
                    })
    if not models and not contents and not os.path.exists(target):
        known = sorted({f.get("path") for p in pipelines for files in recorded_facts(store, p).values()
                        for f in files.get(keys.FILES, [])})
        raise LineageError(f"{path}: no such file or folder, and no recorded run read it "
                           f"(recorded data files: {', '.join(known[:3]) or 'none'})")
    return {"data": target, "fingerprints": sorted(contents), "models": sorted(models, key=lambda m: m["model_id"])}
