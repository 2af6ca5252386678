"""tfxkit.report.page and write: the run's HTML page holds its model id, metrics, components and features."""

from __future__ import annotations

import os

from tfxkit.report.collect import collect
from tfxkit.report.page import render_report
from tfxkit.report.write import default_report_path, write_report


def test_a_pushed_run_s_page(lineage_history):
    h = lineage_history
    page = render_report(collect(h.store(), "penguin", h.second.run_id))
    assert f'<span id="model-id">{h.second.model_id}</span>' in page
    assert '<td class="n metric-accuracy">0.9600</td>' in page
    assert 'id="status" class="ok">pushed</span>' in page and h.second.pushed_to in page
    for node in h.second.states:
        assert f"<td>{node}</td>" in page, node
    for feature in ("bill_length_mm", "body_mass_g", "island", "sex"):
        assert f'id="feature-{feature}"' in page
    assert 'id="curve-loss"' in page and 'id="curve-accuracy"' in page
    assert '<td id="hardware">1 replica (CPU), float32; global batch 16 (16 per replica)</td>' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_a_not_blessed_run_s_page_shows_the_failing_threshold_and_the_diff(lineage_history):
    h = lineage_history
    page = render_report(collect(h.store(), "penguin", h.third.run_id))
    decision = page.split('<p id="decision">')[1].split("</p>")[0]
    assert "not blessed" in decision and "below lower_bound 0.999" in decision
    assert 'id="status" class="bad">not_blessed</span>' in page
    assert "evaluation.thresholds.accuracy.lower_bound" in page.split('<table id="diff-spec">')[1].split("</table>")[0]
    assert f"Compared with run {h.second.run_id}" in page


def test_the_report_file_is_written_in_one_step(lineage_history, tmp_path):
    h = lineage_history
    path = default_report_path(str(tmp_path), h.first.run_id)
    assert path == f"{tmp_path}/reports/run-{h.first.run_id}.html"
    assert write_report(h.store(), "penguin", h.first.run_id, path) == path
    assert f'<span id="model-id">{h.first.model_id}</span>' in open(path, encoding="utf-8").read()
    assert os.listdir(tmp_path / "reports") == [f"run-{h.first.run_id}.html"]
