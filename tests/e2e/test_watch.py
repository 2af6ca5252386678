"""End to end: `tfxkit watch --once` from cron's point of view, over penguin rows split into spans.

A fresh root with spans 1 and 2: the first look runs the pipeline and pushes. A second look with
nothing new says "no new span" without importing TensorFlow. Span 3 is written: the third look
names it and runs again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.e2e.test_spans import DATA, write_span

pytestmark = pytest.mark.e2e

LOOK = """\
import sys
from tfxkit.cli import main
code = main(sys.argv[1:])
print("tensorflow imported:", "tensorflow" in sys.modules)
sys.exit(code)
"""


def test_watch_once_runs_on_new_spans_only(tmp_path):
    lines = DATA.read_text(encoding="utf-8").splitlines()
    for span in (1, 2):
        write_span(tmp_path / "data", span, lines)
    text = (REPO_ROOT / "pipelines/penguin.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/penguins/penguins.csv", "data/span-{SPAN}/part-*.csv\n  spans: {last: 2}")
    text = text.replace("../schemas/penguin.pbtxt", str(REPO_ROOT / "schemas/penguin.pbtxt"))
    text = text.replace("../runs/penguin", "runs")
    text = text.replace("lower_bound: 0.9", "lower_bound: 0.0").replace("min_improvement: -0.02", "min_improvement: -1.0")
    spec = tmp_path / "spans.yaml"
    spec.write_text(text + "validation: {drift: {enabled: false}}\n", encoding="utf-8")
    watch = ("watch", str(spec), "--once", "--set", "trainer.epochs=2")

    first = run_cli(*watch)
    assert first.code == 0, first.stderr[-3000:]
    assert "tfxkit watch: " in first.stdout and "first look (span 2): running" in first.stdout, first.stdout
    assert "  pushed   " in first.stdout, first.stdout

    started = time.monotonic()
    second = subprocess.run([sys.executable, "-c", LOOK, *watch], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    seconds = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    assert "no new span since run" in second.stdout and "(newest: span 2)" in second.stdout, second.stdout
    assert "tensorflow imported: False" in second.stdout
    assert seconds < 15, f"a look with nothing new took {seconds:.1f} s"

    write_span(tmp_path / "data", 3, lines)
    third = run_cli(*watch)
    assert third.code == 0, third.stderr[-3000:]
    assert "span 3 appeared: running" in third.stdout and "  pushed   " in third.stdout, third.stdout
    runs = run_cli("runs", str(spec), "--format", "json")
    assert len(json.loads(runs.stdout)["runs"]) == 2, runs.stdout
