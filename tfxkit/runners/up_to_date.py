"""The up-to-date check: skip launching TFX when nothing that shapes a run changed.

A run whose every component would be served from TFX's cache still pays ~15 s
of TensorFlow/TFX/Beam imports before the first cache lookup. Like `make` or
`dvc repro`, tfxkit fingerprints everything a run depends on and, when the
fingerprint equals the one recorded by the last successful run, reports that
run instead of starting TFX. The fingerprint covers:

- the resolved spec (every parameter, every path),
- the content of every data file a run reads (for spans: the selected spans' files; a span
  outside the window or excluded changes nothing), the curated schema, a custom module file and the
  source of each custom component (`components:`),
- tfxkit's own source and the versions of the TFX stack,
- the metadata store's served push and latest blessed model for the pipeline (the
  Evaluator's baseline: a rollback changes it), read after the recorded run finished.

Anything else (`--force`, a failed last run, a pushed model folder that is
gone) runs TFX, whose own cache then decides per component. Only ml_metadata
is imported here (through tfxkit.metadata).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tfxkit.config.load import LoadedSpec
from tfxkit.dag.example_gens import selected_files
from tfxkit.lineage.models import served_push
from tfxkit.metadata.facts import file_fact, stack_versions
from tfxkit.metadata.keys import FINGERPRINT, OUTCOME
from tfxkit.metadata.store import Store

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def input_files(loaded: LoadedSpec) -> dict[str, list[dict]]:
    """Facts (path, size, modified, sha256) of every file a run reads: data, curated schema, module file,
    custom components' source."""
    spec = loaded.spec
    out = {"data": [file_fact(p) for p in selected_files(loaded)]}
    if spec.schema_.file:
        out["schema"] = [file_fact(loaded.resolve(spec.schema_.file))]
    if spec.transform.module_file:
        out["module"] = [file_fact(loaded.resolve(spec.transform.module_file))]
    if spec.components:  # custom components' code: TFX's cache sees it through their code hash, this check here
        out["components"] = [file_fact(str(path)) for path in component_sources(loaded)]
    return out


def component_sources(loaded: LoadedSpec) -> list:
    """The source files of every custom component the spec names (what `code_hash` covers)."""
    from tfxkit.config.component_file import read_component

    paths = []
    for entry in loaded.spec.components:
        paths += read_component(entry.class_, loaded.base_dir).source_files()
    return sorted(set(paths))


def inputs_fingerprint(loaded: LoadedSpec, runner: str, beam_args: list[str],
                       files: dict[str, list[dict]] | None = None) -> str:
    """Hash of the spec, the files it names (`input_files`, read once by the caller), tfxkit's code and the
    stack's versions."""
    files = input_files(loaded) if files is None else files
    digest = hashlib.sha256()
    digest.update(loaded.resolved_json().encode())
    digest.update(json.dumps([runner, beam_args]).encode())
    for facts in files.values():
        for fact in facts:
            digest.update(f"{fact['path']}:{fact['sha256']}".encode())
    for path in sorted(p for p in _PACKAGE_DIR.rglob("*.py") if not p.name.endswith("_test.py")):
        digest.update(str(path.relative_to(_PACKAGE_DIR)).encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(stack_versions(), sort_keys=True).encode())
    return digest.hexdigest()


def latest_blessed_model_id(store: Store, pipeline: str) -> int:
    """Id of the newest blessed model in the pipeline's context, 0 if none."""
    blessed = [
        int(a.properties["current_model_id"]) for a in store.artifacts_of_type("ModelBlessing", pipeline)
        if a.properties.get("blessed") == 1 and "current_model_id" in a.properties
    ]
    return max(blessed, default=0)


def run_fingerprint(inputs: str, store: Store, pipeline: str) -> str:
    """The inputs' fingerprint combined with the store's current baseline: the served push (a rollback changes
    it) and the latest blessed model (the baseline while nothing is served)."""
    served = served_push(store, pipeline)
    baseline = f"{latest_blessed_model_id(store, pipeline)}:{served.id if served else 0}"
    return hashlib.sha256(f"{inputs}:{baseline}".encode()).hexdigest()


def record_outcome(store: Store, run_id: str, fingerprint: str, outcome: dict) -> None:
    """Store a finished run's fingerprint and outcome on its pipeline_run context."""
    store.annotate_run(run_id, {FINGERPRINT: fingerprint, OUTCOME: json.dumps(outcome, sort_keys=True)})


def up_to_date_outcome(store: Store, pipeline: str, fingerprint: str) -> dict | None:
    """The recorded outcome of the newest run of `pipeline` with this fingerprint, if it can be reused."""
    newest = next((r for r in store.runs(pipeline) if r.properties.get(FINGERPRINT) == fingerprint), None)
    if newest is None:
        return None
    outcome = newest.json_property(OUTCOME)
    pushed = outcome.get("pushed_to")
    if pushed and not os.path.isdir(pushed):
        return None
    if store.run_has_removed_artifacts(newest.id):  # by `tfxkit gc`: a run re-computes them
        return None
    return {**outcome, "run_id": newest.id}

