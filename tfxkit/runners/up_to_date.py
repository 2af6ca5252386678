"""The up-to-date check: skip launching TFX when nothing that shapes a run changed.

A run whose every component would be served from TFX's cache still pays ~15 s
of TensorFlow/TFX/Beam imports before the first cache lookup. Like `make` or
`dvc repro`, tfxkit fingerprints everything a run depends on and, when the
fingerprint equals the one recorded by the last successful run, reports that
run instead of starting TFX. The fingerprint covers:

- the resolved spec (every parameter, every path),
- the content of every data file, the curated schema and a custom module file,
- tfxkit's own source and the versions of the TFX stack,
- the metadata store's latest blessed model for the pipeline (the Evaluator's
  baseline), read after the recorded run finished.

Anything else (`--force`, a failed last run, a pushed model folder that is
gone) runs TFX, whose own cache then decides per component. Only ml_metadata
is imported here.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata as importlib_metadata
from pathlib import Path

from ml_metadata import metadata_store

from tfxkit.spec.load import LoadedSpec
from tfxkit.spec.paths import data_files

FINGERPRINT_PROPERTY = "tfxkit_fingerprint"
OUTCOME_PROPERTY = "tfxkit_outcome"
_STACK = ("tfx", "tensorflow", "tensorflow-transform", "tensorflow-model-analysis", "apache-beam", "ml-metadata")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _file_digest(path: str, digest: "hashlib._Hash") -> None:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)


def inputs_fingerprint(loaded: LoadedSpec, runner: str, beam_args: list[str]) -> str:
    """Hash of the spec, the files it names, tfxkit's code and the stack's versions."""
    spec = loaded.spec
    digest = hashlib.sha256()
    digest.update(loaded.resolved_json().encode())
    digest.update(json.dumps([runner, beam_args]).encode())
    files = data_files(loaded.resolve(spec.data.path))
    for extra in (spec.schema_.file, spec.transform.module_file):
        if extra:
            files.append(loaded.resolve(extra))
    for path in files:
        digest.update(path.encode())
        _file_digest(path, digest)
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(_PACKAGE_DIR)).encode())
        _file_digest(str(path), digest)
    for name in _STACK:
        digest.update(f"{name}=={importlib_metadata.version(name)}".encode())
    return digest.hexdigest()


def latest_blessed_model_id(store: metadata_store.MetadataStore, pipeline: str) -> int:
    """Id of the newest blessed model in the pipeline's context, 0 if none."""
    context = store.get_context_by_type_and_name("pipeline", pipeline)
    if context is None:
        return 0
    blessed = [
        a.custom_properties["current_model_id"].int_value
        for a in store.get_artifacts_by_context(context.id)
        if "blessed" in a.custom_properties and a.custom_properties["blessed"].int_value == 1
        and "current_model_id" in a.custom_properties
    ]
    return max(blessed, default=0)


def run_fingerprint(inputs: str, store: metadata_store.MetadataStore, pipeline: str) -> str:
    """The inputs' fingerprint combined with the store's current baseline."""
    return hashlib.sha256(f"{inputs}:{latest_blessed_model_id(store, pipeline)}".encode()).hexdigest()


def record_outcome(store: metadata_store.MetadataStore, run_id: str, fingerprint: str, outcome: dict) -> None:
    """Store a finished run's fingerprint and outcome on its pipeline_run context."""
    context = store.get_context_by_type_and_name("pipeline_run", run_id)
    if context is None:
        return
    context.custom_properties[FINGERPRINT_PROPERTY].string_value = fingerprint
    context.custom_properties[OUTCOME_PROPERTY].string_value = json.dumps(outcome, sort_keys=True)
    store.put_contexts([context])


def up_to_date_outcome(store: metadata_store.MetadataStore, fingerprint: str) -> dict | None:
    """The recorded outcome of the newest run with this fingerprint, if it can be reused."""
    runs = [
        c for c in store.get_contexts_by_type("pipeline_run")
        if FINGERPRINT_PROPERTY in c.custom_properties
        and c.custom_properties[FINGERPRINT_PROPERTY].string_value == fingerprint
    ]
    if not runs:
        return None
    newest = max(runs, key=lambda c: c.create_time_since_epoch)
    outcome = json.loads(newest.custom_properties[OUTCOME_PROPERTY].string_value)
    pushed = outcome.get("pushed_to")
    if pushed and not os.path.isdir(pushed):
        return None
    return {**outcome, "run_id": newest.name}
