"""The ExampleGen nodes of a plan: one for a plain data path, one per selected span for a span pattern.

A span pattern (`data/span-{SPAN}/*.csv`) gets one ExampleGen per span the
window selects, each with a `RangeConfig.static_range` of its one span and a
node id of its own (`CsvExampleGen-span-3`): TFX's driver resolves that span's
newest version and records span, version and the files' fingerprint on the
Examples artifact, and TFX's cache then serves an unchanged span from the run
that ingested it (the cache key includes the node id, so the id stays the same
whichever window the span is in). Transform and the Evaluator read the union of
the spans' Examples; StatisticsGen, and through it the schema and the data gate,
the newest span's (the data that is new in this run).

Parquet and Avro go through TFX's own executors (`example_gen/custom_executors/`)
in a FileBasedExampleGen.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Optional

from tfxkit.config.load import LoadedSpec
from tfxkit.config.paths import data_files, guess_format
from tfxkit.config.sections.data import data_spans
from tfxkit.config.span_selection import SpanSelection
from tfxkit.dag.nodes import Kind, Node, Source

_GENS = {"csv": ("CsvExampleGen", Kind.CSV_EXAMPLE_GEN), "tfrecord": ("ImportExampleGen", Kind.IMPORT_EXAMPLE_GEN),
         "parquet": ("ParquetExampleGen", Kind.FILE_EXAMPLE_GEN), "avro": ("AvroExampleGen", Kind.FILE_EXAMPLE_GEN)}
SPAN_ID = "{gen}-span-{span}"
LATEST_ID = "{gen}-latest-span"
LATEST_SPAN = "latest"  # a node's `span` parameter for TFX's RollingRange of one span (compiled pipelines)


def component_of(node_id: str) -> str:
    """The ExampleGen a span node is ('CsvExampleGen-span-3', 'CsvExampleGen-latest-span' -> 'CsvExampleGen'),
    so that settings keyed by component (kubeflow.components) reach every span's node; other ids unchanged."""
    for gen_id, _ in _GENS.values():
        if node_id == LATEST_ID.format(gen=gen_id) or node_id.startswith(SPAN_ID.format(gen=gen_id, span="")):
            return gen_id
    return node_id


class ClusterSpans(Enum):
    """How a compiled (Kubeflow) pipeline picks its span: TFX's V2 compiler takes one channel per input (no
    union of the spans' Examples), so a compiled pipeline reads exactly one span."""

    NONE = "none"  # a plain data path
    LATEST_AT_RUN_TIME = "latest"  # spans: latest, nothing excluded: TFX's RollingRange, resolved at each run
    PINNED = "pinned"  # a window that selects one span otherwise: that span, chosen when compiling
    TOO_MANY = "too_many"  # a window of several spans: refused (`tfxkit.deploy.target`)


def cluster_spans(loaded: LoadedSpec) -> ClusterSpans:
    """How the spec's span window compiles for Kubeflow (see `ClusterSpans`)."""
    data = loaded.spec.data
    selection = selected_spans(loaded)
    if selection is None:
        return ClusterSpans.NONE
    if len(selection.spans) > 1:
        return ClusterSpans.TOO_MANY
    if data.window() in ("latest", 1) and not data.exclude_spans:
        return ClusterSpans.LATEST_AT_RUN_TIME
    return ClusterSpans.PINNED


def selected_spans(loaded: LoadedSpec) -> Optional[SpanSelection]:
    """The spans the spec's window selects (None for a plain path); a spec that loaded has no problem here."""
    return data_spans(loaded.spec.data, loaded.resolve(loaded.spec.data.path))


def selected_files(loaded: LoadedSpec) -> list[str]:
    """The data files a run reads: the plain path's, or every selected span's (newest version of each)."""
    selection = selected_spans(loaded)
    if selection is None:
        return data_files(loaded.resolve(loaded.spec.data.path))
    return [path for sv in selection.spans for path in sv.files]


def data_format(loaded: LoadedSpec) -> str:
    """csv, tfrecord, parquet or avro: declared, or guessed from the data files (the newest span's)."""
    spec = loaded.spec
    if spec.data.format:
        return spec.data.format
    selection = selected_spans(loaded)
    files = list(selection.spans[-1].files) if selection and selection.spans else data_files(
        loaded.resolve(spec.data.path))
    return guess_format(files) or "csv"


def example_gen_nodes(loaded: LoadedSpec, cluster: Any) -> list[Node]:
    """The ExampleGen nodes, oldest span first (one node for a plain path); `cluster`, a `plan.ClusterTarget`
    or None, gives the data path the cluster reads."""
    spec = loaded.spec
    local = loaded.resolve(spec.data.path)
    split = spec.data.split.model_dump()
    fmt = data_format(loaded)
    gen_id, kind = _GENS[fmt]
    params = {"input": cluster.data_path if cluster else local, "splits": split}
    if kind == Kind.CSV_EXAMPLE_GEN:
        params["delimiter"] = spec.data.delimiter
    elif kind == Kind.FILE_EXAMPLE_GEN:
        params["executor"] = fmt
    selection = selected_spans(loaded)
    if selection is None:
        return [Node(gen_id, kind, gen_id, outputs=("examples",), params=params,
                     shown={"input": local, "split": split})]
    if cluster and cluster_spans(loaded) == ClusterSpans.LATEST_AT_RUN_TIME:
        # One id whatever the span: the compiled pipeline is reused by every scheduled run.
        return [Node(LATEST_ID.format(gen=gen_id), kind, f"{gen_id} (the newest span at run time)",
                     outputs=("examples",), params={**params, "span": LATEST_SPAN},
                     shown={"input": cluster.data_path, "span": "the newest on the cluster when the run starts "
                            f"(now on disk here: {selection.label(selection.spans[-1])})", "split": split})]
    return [Node(SPAN_ID.format(gen=gen_id, span=sv.span), kind, f"{gen_id} (span {selection.label(sv)})",
                 outputs=("examples",), params={**params, "span": sv.span},
                 shown={"input": local, "span": selection.label(sv),
                        **({"version": sv.version} if sv.version is not None else {}),
                        "files": list(sv.files) if len(sv.files) <= 3 else f"{len(sv.files)} files, first "
                        f"{sv.files[0]}", "split": split})
            for sv in selection.spans]


def examples_of(gens: list[Node]) -> Source:
    """The Examples every span contributes: one source, or the union of the spans' (a tuple)."""
    found = tuple(f"{gen.id}.examples" for gen in gens)
    return found[0] if len(found) == 1 else found
