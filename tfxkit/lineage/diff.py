"""What differs between two runs: spec keys, input files, schema, hyperparameters, metrics, and which
components re-ran or came from the cache.

The two runs are compared oldest to newest whatever order they are named in,
so "old -> new" always reads forward in time.
"""

from __future__ import annotations

from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.provenance import provenance
from tfxkit.lineage.runs import find_run, previous_run
from tfxkit.lineage.shown import shown


def flatten(data: object, prefix: str = "") -> dict[str, object]:
    """{'trainer.learning_rate.initial': 0.01, ...}: leaves of a nested spec by dotted key."""
    if isinstance(data, dict):
        out: dict[str, object] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def _changes(old: dict[str, object], new: dict[str, object]) -> list[dict]:
    return [{"key": key, "old": old.get(key), "new": new.get(key)}
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def diff_runs(store, pipeline: str, run_a: str, run_b: str | None = None) -> dict:
    """The documented JSON of `tfxkit diff`: each section lists only what changed."""
    a = find_run(store, pipeline, run_a)
    b = find_run(store, pipeline, run_b) if run_b else previous_run(store, pipeline, a)
    if a.id == b.id:  # a diff of a run with itself says "unchanged" about everything: true, and no answer
        raise LineageError(f"{run_a!r} and {run_b!r} are the same run ({a.id}): name two runs, or one to compare "
                           "with the run before it")
    old_run, new_run = sorted([a, b], key=lambda r: (r.created, r.id))
    old, new = provenance(store, pipeline, old_run.id), provenance(store, pipeline, new_run.id)

    def spec(p: dict) -> dict[str, object]:
        return flatten(p["spec"]["resolved"]) if p.get("spec") else {}

    def files(p: dict) -> dict[str, object]:
        return {f["path"]: f["sha256"] for f in ((p.get("examples") or {}).get("files") or [])}

    def schema(p: dict) -> dict[str, object]:
        s = p.get("schema") or {}
        f = s.get("file") or {}
        return {"source": s.get("source"), "path": f.get("path"), "sha256": f.get("sha256"),
                "artifact_id": s.get("artifact_id")}

    def hyperparameters(p: dict) -> dict[str, object]:
        training = (p.get("model") or {}).get("training") or {}
        return flatten({"tuned": training.get("hyperparameters") or {}, "training": {
            k: v for k, v in (training.get("training") or {}).items() if k in ("epochs_run", "early_stopped_at_epoch")
        }})

    old_metrics = (old.get("run") or {}).get("metrics") or {}
    new_metrics = (new.get("run") or {}).get("metrics") or {}
    metrics = [{"metric": m, "old": old_metrics.get(m), "new": new_metrics.get(m),
                "delta": (new_metrics[m] - old_metrics[m]) if m in old_metrics and m in new_metrics else None}
               for m in sorted(set(old_metrics) | set(new_metrics))]
    old_nodes, new_nodes = (old.get("run") or {}).get("nodes", {}), (new.get("run") or {}).get("nodes", {})
    return {
        "pipeline": pipeline,
        "old": old_run.id,
        "new": new_run.id,
        "spec": _changes(spec(old), spec(new)),
        "files": _changes(files(old), files(new)),
        "spans": span_changes((old.get("run") or {}).get("spans") or [], (new.get("run") or {}).get("spans") or []),
        "schema": _changes(schema(old), schema(new)),
        "hyperparameters": _changes(hyperparameters(old), hyperparameters(new)),
        "metrics": metrics,
        "components": {
            "reran": [n for n, s in new_nodes.items() if s == "complete"],
            "cached": [n for n, s in new_nodes.items() if s == "cached"],
            "other": {n: s for n, s in new_nodes.items() if s not in ("complete", "cached")},
            "old": old_nodes,
        },
        "outcome": {"old": (old.get("run") or {}).get("status"), "new": (new.get("run") or {}).get("status")},
        "models": {"old": (old.get("model") or {}).get("artifact_id"), "new": (new.get("model") or {}).get("artifact_id")},
    }


def span_changes(old: list[dict], new: list[dict]) -> dict:
    """The spans that changed between two runs: added, dropped, and read in a new version."""
    before, after = {s["span"]: s for s in old}, {s["span"]: s for s in new}
    return {"added": [after[s] for s in sorted(set(after) - set(before))],
            "dropped": [before[s] for s in sorted(set(before) - set(after))],
            "new_version": [{"span": s, "label": after[s].get("label"), "old": before[s].get("version"),
                             "new": after[s].get("version")}
                            for s in sorted(set(before) & set(after)) if before[s].get("version") != after[s].get("version")]}


def value_text(value: object) -> str:
    """A changed value as a person reads it (`tfxkit.lineage.shown`); "(none)" where a key was unset."""
    return "(none)" if value is None else shown(value) or "(empty)"
