"""End to end: data that arrives in spans. Penguin rows split into spans; a window of the two newest.

Run 1 reads spans 2 and 3 (two ExampleGens, Transform and Trainer on their union);
span 4 arrives; run 2 ingests span 4 only (span 3's ExampleGen is served from TFX's
cache) and `lineage latest` names exactly spans 3 and 4, with their files, sha256 and rows.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli

pytestmark = pytest.mark.e2e

DATA = REPO_ROOT / "data/penguins/penguins.csv"


def write_span(folder: Path, span: int, lines: list[str]) -> Path:
    path = folder / f"span-{span}" / "part-0.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([lines[0], *lines[1:][span - 1::4]]) + "\n", encoding="utf-8")
    return path


def test_a_window_of_two_spans_and_a_new_span_ingested_alone(tmp_path):
    lines = DATA.read_text(encoding="utf-8").splitlines()
    for span in (1, 2, 3):
        write_span(tmp_path / "data", span, lines)
    text = (REPO_ROOT / "pipelines/penguin.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/penguins/penguins.csv", "data/span-{SPAN}/part-*.csv\n  spans: {last: 2}")
    text = text.replace("../schemas/penguin.pbtxt", str(REPO_ROOT / "schemas/penguin.pbtxt"))
    text = text.replace("../runs/penguin", "runs").replace("epochs: 30", "epochs: 3")
    text = text.replace("lower_bound: 0.9", "lower_bound: 0.0").replace("min_improvement: -0.02", "min_improvement: -1.0")
    spec = tmp_path / "spans.yaml"
    spec.write_text(text + "validation: {drift: {enabled: false}}\n", encoding="utf-8")

    plan = run_cli("plan", str(spec))
    assert "CsvExampleGen-span-2" in plan.stdout and "CsvExampleGen-span-3" in plan.stdout, plan.stderr
    first = run_cli("run", str(spec))
    assert first.code == 0, first.stderr[-3000:]
    lineage = json.loads(run_cli("lineage", str(spec), "latest", "--format", "json").stdout)
    assert [s["span"] for s in lineage["spans"]] == [2, 3]

    newest = write_span(tmp_path / "data", 4, lines)
    second = run_cli("run", str(spec))
    assert second.code == 0, second.stderr[-3000:]
    runs = json.loads(run_cli("runs", str(spec), "--format", "json").stdout)["runs"]
    nodes = runs[0]["nodes"]
    assert nodes["CsvExampleGen-span-3"] == "cached" and nodes["CsvExampleGen-span-4"] == "complete", nodes
    assert "CsvExampleGen-span-2" not in nodes

    lineage = json.loads(run_cli("lineage", str(spec), "latest", "--format", "json").stdout)
    spans = lineage["spans"]
    assert [s["span"] for s in spans] == [3, 4]
    assert spans[1]["files"][0]["path"] == str(newest)
    assert spans[1]["files"][0]["sha256"] == hashlib.sha256(newest.read_bytes()).hexdigest()
    assert sum(spans[1]["split_sizes"].values()) == len(newest.read_text().splitlines()) - 1
