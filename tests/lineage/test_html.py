"""tfxkit.lineage.html: the self-contained lineage page (Graphviz's drawing stubbed where `dot` is missing)."""

from __future__ import annotations

import re

from tfxkit.lineage import dot, html
from tfxkit.lineage.provenance import provenance


def test_the_page_names_the_model_its_verdict_and_data(lineage_history, monkeypatch):
    monkeypatch.setattr(dot, "render_svg", lambda dot: f"<svg><!-- {len(dot)} --></svg>")
    h = lineage_history
    page = html.provenance_html(provenance(h.store(), "penguin"))
    assert f'<span id="model-id">{h.second.model_id}</span>' in page
    assert f'<p id="verdict">served now from {h.second.pushed_to}</p>' in page
    assert "<svg>" in page and str(h.pipeline.data_file) in page
    assert not re.search(r"(src|href)=\"https?://", page)
    older = html.provenance_html(provenance(h.store(), "penguin", h.third.run_id))
    assert "not pushed: model not blessed" in older
