"""Accept what the data gate found: a relaxed curated schema, from a run's own statistics.

When a run stops at the gate because the data no longer matches the curated
schema (a new category, values now missing), the change may be real and
wanted. `relax_schema` asks TFDV to update the schema the run used so that
the run's statistics conform (`tfdv.update_schema`, split by split), checks
the result by validating every split again with TFDV, and says per feature
what was relaxed. `tfxkit schema update` writes it for a person to review and
commit; nothing here touches the spec's curated file unless told to.

TFDV (and with it TensorFlow) is imported only inside the functions that
need it: `accept_hint` is called by every gated run and stays light.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from typing import Mapping

from tfxkit.config.load import LoadedSpec
from tfxkit.metadata.runs import NodeRun
from tfxkit.metadata.store import Store
from tfxkit.runners.outcome import OutcomeKind

SCHEMA_FILE = "schema.pbtxt"  # ImportSchemaGen's and SchemaGen's output file (tfx.utils.io_utils.SCHEMA_FILE_NAME)
STATISTICS_FILE = "FeatureStats.pb"  # StatisticsGen's per split (Split-<name>/)
MAX_PASSES = 3


class SchemaUpdateError(Exception):
    """TFDV could not make the schema accept the statistics; the message says what is left."""


class NothingToRelax(Exception):
    """The run named (or found) cannot give a relaxed schema: no gated run, its statistics or its curated
    schema missing. The message says which, in one line."""


def shown_path(path: str | os.PathLike) -> str:
    """A path as a user would type it here: relative under the current folder, else absolute."""
    path = os.path.abspath(path)
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def accept_hint(loaded: LoadedSpec, run_id: str) -> str | None:
    """The one line a gated run ends with: how to accept the changes (None without a curated schema)."""
    spec = loaded.spec
    if not spec.schema_.file:
        return None
    words = ["tfxkit", "schema", "update", shown_path(loaded.file), run_id]
    root = loaded.resolve(spec.pipeline.root)
    try:
        from tfxkit.config.locate import locate_store

        file_root = locate_store(loaded.file).root
    except Exception:  # noqa: BLE001 - only a hint: name the root explicitly
        file_root = None
    if file_root is None or os.path.realpath(file_root) != os.path.realpath(root):  # run with --root
        words += ["--root", shown_path(root)]
    words += ["-o", shown_path(loaded.resolve(spec.schema_.file))]
    return f"accept them: {' '.join(shlex.quote(w) for w in words)}, review the diff, commit"


def with_accept_hint(error: str | None, nodes: Mapping[str, NodeRun], loaded: LoadedSpec, run_id: str) -> str | None:
    """A gated run's error, ending with how to accept the data when the gate found anomalies against a
    curated schema (not for an empty split, nor for drift alone)."""
    from tfxkit.runners.gate_finding import GateFinding, gate_finding

    if gate_finding(nodes, loaded) is not GateFinding.SCHEMA_ANOMALIES:
        return error
    hint = accept_hint(loaded, run_id)
    return f"{error}\n{hint}" if hint else error


@dataclass
class Relaxed:
    """A relaxed schema, what was relaxed per feature, and the anomalies it accepts."""

    schema: object  # schema_pb2.Schema
    changes: dict[str, list[str]] = field(default_factory=dict)  # feature -> what changed
    accepted: dict[str, list[str]] = field(default_factory=dict)  # split -> "feature: anomaly"


def statistics_paths(statistics_uri: str, split_names: list[str] | None = None) -> dict[str, str]:
    """Per split, StatisticsGen's FeatureStats.pb under an ExampleStatistics artifact's folder."""
    if not split_names:
        split_names = sorted(d[len("Split-"):] for d in os.listdir(statistics_uri) if d.startswith("Split-"))
    paths = {s: os.path.join(statistics_uri, f"Split-{s}", STATISTICS_FILE) for s in split_names}
    return {s: p for s, p in paths.items() if os.path.exists(p)}


def load_statistics(paths: dict[str, str]) -> dict:
    from tensorflow_metadata.proto.v0 import statistics_pb2

    out = {}
    for split, path in paths.items():
        with open(path, "rb") as fh:
            out[split] = statistics_pb2.DatasetFeatureStatisticsList.FromString(fh.read())
    return out


def load_schema(path: str):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    with open(path, encoding="utf-8") as fh:
        return text_format.Parse(fh.read(), schema_pb2.Schema())


def anomaly_lines(statistics, schema) -> list[str]:
    """TFDV's anomalies of one split against a schema, 'feature: short description' each."""
    import tensorflow_data_validation as tfdv

    anomalies = tfdv.validate_statistics(statistics, schema)
    lines = [f"{name}: {info.short_description}" for name, info in sorted(anomalies.anomaly_info.items())]
    if anomalies.HasField("dataset_anomaly_info"):
        lines.append(f"<dataset>: {anomalies.dataset_anomaly_info.short_description}")
    return lines


def relax_schema(schema, statistics_by_split: dict) -> Relaxed:
    """The schema updated by TFDV until every split's statistics validate against it without anomalies."""
    import tensorflow_data_validation as tfdv

    accepted = {s: lines for s, stats in statistics_by_split.items() if (lines := anomaly_lines(stats, schema))}
    relaxed = schema
    for _ in range(MAX_PASSES):
        for stats in statistics_by_split.values():
            relaxed = tfdv.update_schema(relaxed, stats)
        left = {s: lines for s, stats in statistics_by_split.items() if (lines := anomaly_lines(stats, relaxed))}
        if not left:
            return Relaxed(relaxed, schema_changes(schema, relaxed), accepted)
    raise SchemaUpdateError("TFDV could not relax the schema to accept: "
                            + "; ".join(f"[{s}] {', '.join(lines)}" for s, lines in left.items()))


def _flat(message) -> dict[str, object]:
    from google.protobuf import json_format

    def walk(value, prefix: str, out: dict) -> dict:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else key, out)
        else:
            out[prefix] = value
        return out

    return walk(json_format.MessageToDict(message, preserving_proto_field_name=True), "", {})


def schema_changes(old, new) -> dict[str, list[str]]:
    """Per feature, what the new schema allows that the old one did not (field: old -> new)."""
    changes: dict[str, list[str]] = {}
    old_features = {f.name: f for f in old.feature}
    old_domains = {d.name: list(d.value) for d in old.string_domain}
    for feature in new.feature:
        before = old_features.get(feature.name)
        if before is None:
            changes.setdefault(feature.name, []).append("new feature, now in the schema")
            continue
        a, b = _flat(before), _flat(feature)
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                changes.setdefault(feature.name, []).append(
                    f"{key}: {a.get(key, '(unset)')} -> {b.get(key, '(unset)')}")
    for domain in new.string_domain:
        added = [v for v in domain.value if v not in old_domains.get(domain.name, [])]
        if added:
            users = [f.name for f in new.feature if f.domain == domain.name] or [domain.name]
            for name in users:
                changes.setdefault(name, []).append(f"domain '{domain.name}' accepts {', '.join(map(repr, added))}")
    return changes


def header_comments(path: str) -> list[str]:
    """The leading comment lines of a schema file (text_format drops comments; these are kept)."""
    lines = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            lines.append(line.rstrip("\n"))
    return lines


def write_schema(schema, path: str, comments: list[str]) -> None:
    """Write the text proto atomically (write, then rename): a reader never sees half a schema."""
    from google.protobuf import text_format

    text = "\n".join(comments) + "\n" + text_format.MessageToString(schema)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


@dataclass
class SchemaUpdate:
    """What `update_schema` did: the run, the splits its statistics hold, what was relaxed, where it went."""

    run_id: str
    splits: list[str]
    relaxed: Relaxed
    shown_curated: str  # the curated file as a user would type it (the run's own schema without one)
    output: str | None = None  # the file written (None: nothing to relax, nothing written)
    in_place: bool = False  # the output is the curated file itself


def update_schema(store: Store, pipeline: str, ref: str | None, output: str | None) -> SchemaUpdate:
    """Relax the curated schema a run used (`ref`; default: the newest gated run) until that run's
    statistics validate, and write it to `output` (default: beside the curated file).

    Raises NothingToRelax when the run cannot give one, SchemaUpdateError when TFDV cannot relax it,
    and lineage's errors for a run id that names no run.
    """
    run_id, statistics, schema, split_names = _run_artifacts(store, pipeline, ref)
    stats_paths = statistics_paths(statistics["uri"], split_names) if os.path.isdir(statistics["uri"]) else {}
    if not stats_paths:
        raise NothingToRelax(f"run {run_id}: its statistics are gone from {statistics['uri']} "
                             "(the pipeline root was cleaned?): nothing to relax the schema from")
    schema_path = os.path.join(schema["uri"], SCHEMA_FILE)
    if not os.path.exists(schema_path):
        raise NothingToRelax(f"run {run_id}: the schema it used is gone from {schema['uri']}")
    curated = (schema.get("file") or {}).get("path")
    output = output or _default_output(curated, run_id)

    from tfxkit.runners.launch import prepare_process

    prepare_process()  # quiet TensorFlow's logs and the stack's warnings before TFDV loads it
    try:
        relaxed = relax_schema(load_schema(schema_path), load_statistics(stats_paths))
    except SchemaUpdateError as exc:
        raise SchemaUpdateError(f"run {run_id}: {exc}") from None
    done = SchemaUpdate(run_id, list(stats_paths), relaxed, shown_path(curated) if curated else schema_path)
    if not relaxed.changes:
        return done
    comments = header_comments(schema_path) + [
        f"# Relaxed by `tfxkit schema update` from the statistics of run {run_id}: "
        + "; ".join(f"{f}: {', '.join(c)}" for f, c in relaxed.changes.items())]
    write_schema(relaxed.schema, output, comments)
    done.output = output
    done.in_place = curated is not None and os.path.realpath(output) == os.path.realpath(curated)
    return done


def _run_artifacts(store: Store, pipeline: str, ref: str | None) -> tuple[str, dict, dict, list[str] | None]:
    """The run, its statistics and schema artifacts (as provenance reports them) and the statistics' splits."""
    from tfxkit.lineage.provenance import provenance
    from tfxkit.lineage.runs import find_run, list_runs

    if ref is None:
        gated = [row for row in list_runs(store, pipeline) if row.status == OutcomeKind.GATED.value]
        if not gated:
            raise NothingToRelax(f"no run of pipeline '{pipeline}' was stopped by the data gate; "
                                 "name a run id (see `tfxkit runs`)")
        run_id = gated[0].run_id
    else:
        run_id = find_run(store, pipeline, ref).id
    found = provenance(store, pipeline, run_id)
    statistics, schema = found.get("statistics"), found.get("schema")
    if statistics is None:
        raise NothingToRelax(f"run {run_id} has no statistics (it stopped before StatisticsGen finished): "
                             "nothing to relax the schema from")
    if schema is None:
        raise NothingToRelax(f"run {run_id} has no schema recorded: nothing to relax")
    if schema.get("source") != "curated":
        raise NothingToRelax(f"run {run_id} used a schema inferred by SchemaGen (no schema.file in its spec): "
                             "there is no curated schema to update")
    artifact = store.artifact(statistics["artifact_id"])
    names = artifact.properties.get("split_names") if artifact else None
    try:
        split_names = json.loads(names) if isinstance(names, str) else None
    except ValueError:
        split_names = None
    return run_id, statistics, schema, split_names


def _default_output(curated: str | None, run_id: str) -> str:
    """Beside the curated file, never over it: `<name>.relaxed.pbtxt`."""
    if curated is None:
        return os.path.abspath(f"schema.{run_id}.relaxed.pbtxt")
    stem, ext = os.path.splitext(curated)
    return f"{stem}.relaxed{ext or '.pbtxt'}"
