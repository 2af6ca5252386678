"""tfxkit.lineage.dot: the provenance chain as a Graphviz graph (nodes and 'derived from' edges)."""

from __future__ import annotations

import pytest

from tests.conftest import require_tool
from tfxkit.lineage.dot import provenance_dot, render_svg
from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.provenance import provenance


def test_the_served_model_s_chain_down_to_the_data_file_and_the_spec(lineage_history):
    h = lineage_history
    p = provenance(h.store(), "penguin")
    dot = provenance_dot(p)
    assert dot.startswith("digraph provenance {\n  rankdir=LR;")
    for edge in ('"pushed" -> "blessing"', '"pushed" -> "model"', '"blessing" -> "model"', '"blessing" -> "baseline"',
                 '"model" -> "transform"', '"transform" -> "examples"', '"transform" -> "schema"',
                 '"examples" -> "file0"', '"schema" -> "schema_file"', '"statistics" -> "examples"',
                 '"anomalies" -> "statistics"', '"model" -> "spec"'):
        assert f"  {edge};" in dot, edge
    assert f"PushedModel {p['pushed']['artifact_id']}\\n{h.second.pushed_to}\\n(served now)" in dot
    assert f"baseline Model {h.first.model_id}" in dot and f"spec {h.second.spec.spec_hash()}" in dot
    assert str(h.pipeline.data_file) in dot


def test_a_gated_run_hangs_the_spec_on_its_examples(lineage_history):
    p = {"pipeline": "penguin", "examples": {"artifact_id": 1, "node": "CsvExampleGen", "files": []},
         "spec": {"hash": "abc"}, "model": None}
    dot = provenance_dot(p)
    assert '"examples" -> "spec";' in dot and '"model"' not in dot


def test_svg_is_drawn_by_graphviz():
    require_tool("dot", "lineage drawings are rendered with Graphviz")
    assert render_svg("digraph g { a -> b; }").startswith("<svg")


def test_svg_without_graphviz_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LineageError, match="The graph is not drawn: Graphviz's dot program"):
        render_svg("digraph g { a -> b; }")
