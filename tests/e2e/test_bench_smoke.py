"""Every benchmark in bench/ runs in its smoke mode, so a broken benchmark fails CI, not the next person.

Smoke mode means tiny sizes and no figure asserted: these tests check that
each script runs to the end and prints its result table, nothing about speed.
`make bench` runs the real sizes.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, require_tool

pytestmark = pytest.mark.e2e


def run_bench(script: str, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore", TFXKIT_BENCH_SMOKE="1")
    proc = subprocess.run([sys.executable, f"bench/{script}", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, \
        f"bench/{script} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_trainer_throughput_smoke():
    """It imports TFX before tfxkit's trainer modules (the import order that broke `make bench`)."""
    out = run_bench("trainer_throughput.py").stdout
    assert "smoke mode" in out
    assert "ratio tfxkit / plain Keras (numpy)" in out and "ratio tfxkit / plain Keras (tf.data from tensors)" in out
    # The hardware rows: 1 and 2 logical CPU replicas, float32 and mixed_bfloat16, side by side.
    assert re.search(r"2 replica\(s\) \(logical CPU\) +float32 +[0-9,]+ \([0-9.]+x\) +mixed_bfloat16 ", out), out
    assert "python bench/trainer_throughput.py --devices gpu" in out


def test_lineage_speed_smoke(penguin_first_run, tmp_path):
    """On a copy of the shared penguin run's store (the benchmark re-records runs into it)."""
    root, result = penguin_first_run
    assert result.code == 0, result.stderr
    copy = tmp_path / "root"
    shutil.copytree(root, copy)
    out = run_bench("lineage_speed.py", "--smoke", "--root", str(copy)).stdout
    assert "runs of pipeline penguin" in out
    assert "2 rollbacks" in out
    for command in ("tfxkit runs", "tfxkit lineage latest", "tfxkit diff latest", "tfxkit lineage --from-data",
                    "tfxkit models", "tfxkit rollback --dry-run", "tfxkit gc --keep 10 --dry-run"):
        assert command in out


def test_e2e_vs_tfx_smoke():
    """The reference TFX example and tfxkit's run, cached run and validate: each step must succeed."""
    out = run_bench("e2e_vs_tfx.py").stdout
    assert "smoke mode" in out
    for row in ("reference TFX penguin (LocalDagRunner)", "tfxkit penguin", "tfxkit validate"):
        assert row in out


def test_scale_smoke(tmp_path):
    """Generated taxi-like data through the taxi pipeline, a table and a plot written."""
    out = run_bench("scale.py", "--out", str(tmp_path)).stdout
    assert "smoke mode" in out
    table = (tmp_path / "scale.md").read_text(encoding="utf-8")
    assert "| local | 400 |" in table and "Transform" in table
    assert (tmp_path / "scale.png").stat().st_size > 0


def test_example_gen_memory_smoke(tmp_path):
    """CsvExampleGen under two DirectRunner workers through TFX's WriteSplit and tfxkit's: the same examples."""
    out = run_bench("scale.py", "--example-gen", "--workers", "2", "--workdir", str(tmp_path)).stdout
    assert "TFX / tfxkit WriteSplit: peak memory" in out
    assert "each split's examples the same" in out, out


def test_statistics_gen_cpu_smoke(tmp_path):
    """StatisticsGen in process and on two DirectRunner workers: both run, the workers' CPU is counted."""
    out = run_bench("scale.py", "--statistics-gen", "--workdir", str(tmp_path)).stdout
    assert "StatisticsGen, 400 rows, in process (#1)" in out and "2 workers (#1)" in out, out
    workers = re.search(r"2 workers \(#1\).*workers ([0-9.]+),", out)
    assert workers and float(workers.group(1)) > 0, out


def test_report_size_smoke(penguin_first_run):
    """Generated TFDV statistics, event files and slices on the shared penguin run's store (read only)."""
    root, result = penguin_first_run
    assert result.code == 0, result.stderr
    require_tool("chromium", "the report benchmark renders the page")
    out = run_bench("report_size.py", "--root", str(root)).stdout
    assert "smoke mode" in out and "report size" in out and "chromium: blank page" in out


def test_continuous_smoke():
    """A served model on two tiny spans, then a third: warm start and full retrain side by side, an idle run."""
    out = run_bench("continuous.py").stdout
    assert "smoke mode" in out
    assert "| warm start | 1 |" in out and "| full retrain | 1 |" in out
    assert re.search(r"no new span: `tfxkit run` [\d.]+ s; floor", out), out[-2000:]


def test_floors_smoke():
    """The taxi pipeline's heavy components against their floors: a row per component with a finite ratio, the
    floors doing the same work (ExampleGen's splits hold tfxkit's examples, the vocabularies equal the run's)."""
    out = run_bench("floors.py").stdout
    assert "smoke mode" in out
    for component in ("CsvExampleGen", "StatisticsGen", "Transform", "Trainer", "Evaluator"):
        row = re.search(rf"^\| 2,000 \| {component} \| [0-9.]+ \| [0-9.]+ \| ([0-9.]+)x \|$", out, re.M)
        assert row and math.isfinite(float(row.group(1))) and float(row.group(1)) > 0, out[-3000:]
    assert "the same as tfxkit's" in out and "5 of 5 vocabularies equal to the run's" in out, out[-3000:]
