"""`tfxkit report FILE --models`: every pushed version on one self-contained page — which serves, the rollback
and the version it took out of service, the gate's metric across versions — opened in Chromium as rendered."""

from __future__ import annotations

import re

from tests.conftest import run_cli
from tests.e2e.browser import external_urls, open_in_chromium
from tests.mlmd_store import penguin_history
from tfxkit.registry.rollback import plan_rollback, rollback


def test_the_models_page_shows_every_version_the_serving_one_and_the_rollback(tmp_path):
    history = penguin_history(tmp_path / "store")
    store = history.store()
    done = rollback(store, plan_rollback(store, "penguin", "canary errors"))
    page = tmp_path / "models.html"
    result = run_cli("report", "--metadata", history.pipeline.url, "--models", "-o", str(page))
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == f"wrote {page}"
    html = page.read_text(encoding="utf-8")
    first, second = (int(p.rsplit("/", 1)[1]) for p in (history.first.pushed_to, history.second.pushed_to))
    serving = re.search(r'<p id="serving">(.*?)</p>', html, re.S).group(1)
    assert f"Serving: version <b>{done.version}</b>" in serving and f"by a rollback to version {first}" in serving
    assert "3 versions in all" in serving
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r'<tr id="version-(\d+)" class="(\w+)">', html)}
    assert rows == {done.version: "serving", second: "rolled_back", first: "previous"}
    assert "rollback to version" in html and "canary errors" in html
    assert html.count("<svg") == 1 and ">accuracy<" in html  # the gate metric's timeline
    assert external_urls(html) == []

    dom, console = open_in_chromium(page, tmp_path / "models.png", height=1200)
    assert console == [] and 'id="models"' in dom and dom.count("<tr id=\"version-") == 3


def test_a_pipeline_that_never_pushed_says_so(tmp_path):
    from tests.mlmd_store import ANOMALY, PipelineStore

    builder = PipelineStore(tmp_path)
    builder.run(anomalies={"island": ANOMALY})
    page = tmp_path / "models.html"
    assert run_cli("report", "--metadata", builder.url, "--models", "-o", str(page)).code == 0
    html = page.read_text(encoding="utf-8")
    assert "No model has been pushed yet." in html and "0 versions in all" in html and "<svg" not in html
