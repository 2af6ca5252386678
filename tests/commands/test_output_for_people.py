"""What tfxkit shows people reads as words: no `None`, no Python reprs, no raw JSON, no "a ExampleStatistics".

Every text view (`plan` of every pipelines/*.yaml, `runs`, `lineage`, `diff`) and both HTML pages (the run
report, `lineage --format html`) are rendered over the `lineage_history` store; the pages are read as text
(tags dropped, entities decoded). A missing Graphviz costs the pages their drawing, never the page.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tfxkit.cli import main
from tfxkit.lineage import dot
from tfxkit.lineage.shown import shown, with_article

PIPELINES = sorted((REPO_ROOT / "pipelines").glob("*.yaml"))
WRONG = [re.compile(r"\bNone\b"), re.compile(r"\{'"), re.compile(r'\{"'), re.compile(r"\['"),
         re.compile(r"\ba [AEIOUaeiou]\w")]


def _bad(text: str) -> list[str]:
    return [f"{pattern.pattern}: {line.strip()[:160]}" for line in text.splitlines() for pattern in WRONG
            if pattern.search(line)]


def _page_text(page: str) -> str:
    body = re.sub(r"<svg.*?</svg>|<style.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _tfxkit(capsys, *args: str) -> str:
    assert main(list(args)) == 0, capsys.readouterr()
    return capsys.readouterr().out


def test_shown_values():
    assert shown({"clipnorm": None, "name": "adam", "beta": 0.9}) == "name adam, beta 0.9"
    assert shown({"train": 3, "eval": 1}) == "train 3, eval 1"
    assert shown([16, 8]) == "16, 8" and shown(["island"]) == "island" and shown(None) == ""
    assert shown({"accuracy": {"lower_bound": 0.9, "per_slice": False}}) == "accuracy (lower_bound 0.9, per_slice no)"
    assert [with_article(n) for n in ("ExampleStatistics", "Model")] == ["an ExampleStatistics", "a Model"]


@pytest.mark.parametrize("spec", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_plan_text(spec, capsys):
    assert not _bad(_tfxkit(capsys, "plan", str(spec)))


def test_audit_views_and_pages(lineage_history, tmp_path, capsys, monkeypatch):
    h = lineage_history
    url = h.pipeline.url
    texts = {
        "runs": _tfxkit(capsys, "runs", "--metadata", url),
        "diff": _tfxkit(capsys, "diff", "--metadata", url, "latest"),
        "diff first": _tfxkit(capsys, "diff", "--metadata", url, h.second.run_id, h.first.run_id),
        "from-data": _tfxkit(capsys, "lineage", "--metadata", url, "--from-data", str(h.pipeline.data_file)),
    }
    for run in (h.first, h.second, h.third):
        texts[f"lineage {run.run_id}"] = _tfxkit(capsys, "lineage", "--metadata", url, run.run_id)
        _tfxkit(capsys, "lineage", "--metadata", url, run.run_id, "--format", "html", "-o", f"{tmp_path}/l.html")
        texts[f"lineage page {run.run_id}"] = _page_text(Path(f"{tmp_path}/l.html").read_text())
        _tfxkit(capsys, "report", "--metadata", url, run.run_id, "-o", f"{tmp_path}/r.html")
        texts[f"report {run.run_id}"] = _page_text(Path(f"{tmp_path}/r.html").read_text())
    bad = {view: found for view, text in texts.items() if (found := _bad(text))}
    assert not bad, json.dumps(bad, indent=2)
    assert "optimizer" in texts[f"report {h.second.run_id}"] and "name adam" in texts[f"report {h.second.run_id}"]


def test_an_artifact_that_is_not_a_model_is_named_with_its_article(lineage_history, capsys):
    h = lineage_history
    anomalies = h.first.artifact_id("ExampleValidator", "anomalies")
    assert main(["lineage", "--metadata", h.pipeline.url, str(anomalies)]) == 2
    assert f"artifact {anomalies} is an ExampleAnomalies, not a model" in capsys.readouterr().err


def test_every_slice_shows_its_example_count(lineage_history, tmp_path):
    """The report's per-slice table: TFMA's count as recorded, else the eval split's statistics."""
    from tfxkit.report.collect import _counted, collect

    h = lineage_history
    data = collect(h.store(), "penguin", h.second.run_id)
    assert [row["examples"] for row in data.slices] == [86, 34, 31, 21]
    unrecorded = [_counted({**row, "examples": None}, data) for row in data.slices]
    assert [row["examples"] for row in unrecorded] == [86, 34, 31, 21]  # from FeatureStats.pb's eval split


@pytest.mark.parametrize("verb", ["lineage", "report"])
def test_without_graphviz_the_page_is_written_with_a_note(verb, lineage_history, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dot.shutil, "which", lambda name: None)
    h = lineage_history
    args = ["--format", "html"] if verb == "lineage" else []
    assert main([verb, "--metadata", h.pipeline.url, *args, "-o", f"{tmp_path}/page.html"]) == 0
    page = Path(f"{tmp_path}/page.html").read_text()
    assert 'id="no-graph"' in page
    assert "The graph is not drawn: Graphviz's dot program was not installed" in _page_text(page)
    assert "<svg" not in re.sub(r'<td class="chart">.*?</td>|<div class="chart-curve".*?</div>', "", page, flags=re.S)
    assert "--format" not in _page_text(page) and str(h.second.model_id) in page


def test_reproduce_writes_a_spec_a_person_would_write(lineage_history, tmp_path, capsys):
    """Sections in the model's order, no nulls, no defaults; it loads back to the run's own spec hash."""
    from tfxkit.config.load import load_spec

    h = lineage_history
    for run in (h.first, h.second, h.third):
        out = tmp_path / f"{run.run_id}.yaml"
        assert main(["reproduce", "--metadata", h.pipeline.url, run.run_id, "-o", str(out)]) == 0
        assert capsys.readouterr().err == ""  # the data is as the runs read it: no warning
        text = out.read_text()
        spec = yaml.safe_load(text)
        assert list(spec) == ["pipeline", "data", "schema", "transform", "model", "trainer", "evaluation"]
        assert "null" not in text and "num_oov_buckets: 1" not in text and "version:" not in text
        assert load_spec(out).spec_hash() == run.spec.spec_hash()


def test_reproduce_warns_when_a_data_file_changed(tmp_path, capsys):
    from tests.mlmd_store import PipelineStore

    pipeline = PipelineStore(tmp_path)
    run = pipeline.run(accuracy=0.95)
    pipeline.data_file.write_text(pipeline.data_file.read_text() + "\n")
    assert main(["reproduce", "--metadata", pipeline.url, run.run_id, "-o", f"{tmp_path}/spec.yaml"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"tfxkit: warning: {pipeline.data_file} changed since run {run.run_id}")
