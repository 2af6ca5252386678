"""The provenance chain as a Graphviz graph: DOT text (`--format dot`) and inline SVG (`--format html`)."""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Callable

from tfxkit.lineage.errors import LineageError


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def provenance_dot(p: dict) -> str:
    """A left-to-right graph: each artifact, data file and the spec, with 'derived from' edges."""
    nodes: list[str] = []
    edges: list[str] = []

    def node(key: str, label: str, color: str) -> None:
        nodes.append(f"  {_quote(key)} [label={_quote(label)}, fillcolor={_quote(color)}];")

    def edge(child: str, parent: str) -> None:
        edges.append(f"  {_quote(child)} -> {_quote(parent)};")

    model, pushed, blessing = p.get("model"), p.get("pushed"), p.get("blessing")
    if pushed:
        node("pushed", f"PushedModel {pushed['artifact_id']}\n{pushed['destination']}"
             + ("\n(served now)" if pushed["is_served"] else ""), "#c7e9c0")
    if blessing:
        node("blessing", f"ModelBlessing {blessing['artifact_id']}\n"
             + ("blessed" if blessing["blessed"] else "NOT blessed"), "#c7e9c0" if blessing["blessed"] else "#fcbba1")
        if pushed:
            edge("pushed", "blessing")
        if blessing.get("baseline_model_id"):
            node("baseline", f"baseline Model {blessing['baseline_model_id']}", "#eeeeee")
            edge("blessing", "baseline")
    if model:
        node("model", f"Model {model['artifact_id']}\nrun {model['run']}", "#c6dbef")
        if pushed:
            edge("pushed", "model")
        if blessing:
            edge("blessing", "model")
    for key, title in (("transform", "TransformGraph"), ("examples", "Examples"), ("schema", "Schema"),
                       ("statistics", "ExampleStatistics"), ("anomalies", "ExampleAnomalies")):
        artifact = p.get(key)
        if artifact:
            node(key, f"{title} {artifact['artifact_id']}\n{artifact.get('node') or ''}", "#f2f0f7")
    if model and p.get("transform"):
        edge("model", "transform")
    if p.get("transform"):
        for parent in ("examples", "schema"):
            if p.get(parent):
                edge("transform", parent)
    examples = p.get("examples") or {}
    for i, f in enumerate(examples.get("files", [])):
        node(f"file{i}", f"{f['path']}\nsha256 {f['sha256'][:16]}...", "#fff7bc")
        edge("examples", f"file{i}")
    _span_nodes(p, node, edge)
    schema = p.get("schema") or {}
    if schema.get("file"):
        node("schema_file", f"{schema['file']['path']}\nsha256 {schema['file']['sha256'][:16]}...", "#fff7bc")
        edge("schema", "schema_file")
    if p.get("statistics") and p.get("examples"):
        edge("statistics", "examples")
    if p.get("anomalies"):
        for parent in ("statistics", "schema"):
            if p.get(parent):
                edge("anomalies", parent)
    spec = p.get("spec")
    if spec:
        node("spec", f"spec {spec['hash']}", "#fdd0a2")
        edge("model" if model else "examples", "spec")
    return "\n".join(["digraph provenance {", "  rankdir=LR;",
                      '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
                      *nodes, *dict.fromkeys(edges), "}"]) + "\n"


def _span_nodes(p: dict, node: Callable[[str, str, str], None], edge: Callable[[str, str], None]) -> None:
    """Data in spans: each span's Examples (span, version, rows) read by Transform, with its files. The span the
    statistics were computed on is the `examples` node drawn already: it gets its span label, not a second node."""
    drawn = (p.get("examples") or {}).get("artifact_id")
    for s in p.get("spans") or []:
        key = "examples" if s["artifact_id"] == drawn else f"span{s['artifact_id']}"
        version = f" version {s['version']}" if s.get("version") is not None else ""
        rows = ", ".join(f"{k} {v}" for k, v in sorted((s.get("split_sizes") or {}).items()))
        node(key, f"Examples {s['artifact_id']}\nspan {s.get('label') or s['span']}{version}"
             + (f"\n{rows} rows" if rows else ""), "#f2f0f7")
        if p.get("transform"):
            edge("transform", key)
        for i, f in enumerate(s.get("files") or [] if key != "examples" else []):
            node(f"{key}file{i}", f"{f['path']}\nsha256 {f['sha256'][:16]}...", "#fff7bc")
            edge(key, f"{key}file{i}")


NO_GRAPHVIZ = ("The graph is not drawn: Graphviz's dot program was not installed where this page was written "
               "(Debian: apt-get install graphviz). The tables below hold the same facts.")


def svg_or_note(dot_text: str) -> str:
    """The drawing for an HTML page, or a note saying why it is missing.

    One policy for every page (the run report, `lineage --format html`): a page is still worth writing
    without its drawing, so a missing or failing Graphviz costs the picture, not the page.
    """
    try:
        return render_svg(dot_text)
    except LineageError as exc:
        return f'<p class="note" id="no-graph">{html.escape(str(exc))}</p>'


def render_svg(dot_text: str) -> str:
    """SVG from Graphviz's `dot` (Debian's graphviz package); LineageError, worded for the page, without it."""
    if shutil.which("dot") is None:
        raise LineageError(NO_GRAPHVIZ)
    proc = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        raise LineageError(f"The graph is not drawn: Graphviz could not draw it ({first}).")
    svg = proc.stdout
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inlined in HTML
