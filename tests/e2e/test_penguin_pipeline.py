"""End to end: pipelines/penguin.yaml on real TFX, Beam and MLMD (SQLite).

One pipeline root is shared in order: a first run that pushes, a re-run served
from the cache, and a re-run with a threshold the model cannot meet. Bad data
gets a root of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.e2e.conftest import penguin_rows, printed_metric, printed_path
from tfxkit.config.load import load_spec
from tfxkit.config.metadata_url import MetadataUrl
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.runs import latest_run_id, node_runs, recorded_spec
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
ALL_NODES = {
    "CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "ExampleValidator", "AnomaliesGate",
    "Transform", "Trainer", "Evaluator", "Pusher",
}


def store_for(root: Path) -> Store:
    return Store(connection_config(MetadataUrl("sqlite", path=str(root / "metadata.sqlite"))))


def last_run(root: Path):
    store = store_for(root)
    run_id = latest_run_id(store, "penguin")
    return store, run_id, node_runs(store, "penguin", run_id)


def pushed_versions(root: Path) -> list[str]:
    serving = root / "serving"
    return sorted(os.listdir(serving)) if serving.exists() else []


@pytest.fixture(scope="module")
def root(penguin_first_run) -> Path:
    return penguin_first_run[0]


@pytest.fixture(scope="module")
def first_run(penguin_first_run):
    return penguin_first_run[1]


def test_first_run_pushes_an_accurate_model(first_run, root):
    assert first_run.code == 0, first_run.stderr[-3000:]
    store, run_id, nodes = last_run(root)
    assert {n: r.state for n, r in nodes.items() if n in ALL_NODES} == {n: "COMPLETE" for n in ALL_NODES}

    accuracy = printed_metric(first_run, "accuracy")
    assert accuracy >= 0.9

    blessing = nodes["Evaluator"].output("blessing")
    assert blessing.properties["blessed"] == 1
    pushed = nodes["Pusher"].output("pushed_model")
    assert pushed.properties["pushed"] == 1
    versions = pushed_versions(root)
    assert len(versions) == 1
    assert (root / "serving" / versions[0] / "saved_model.pb").is_file()

    spec_json, spec_hash = recorded_spec(store, run_id)
    loaded = load_spec(REPO_ROOT / SPEC, {"pipeline.root": str(root)})
    assert spec_hash == loaded.spec_hash()
    assert '"name":"penguin"' in spec_json


def test_the_local_runner_reads_the_csv_and_evaluates_in_process(first_run):
    """Beam's DirectRunner: CsvExampleGen and the Evaluator skip Beam, and the run log says which path ran."""
    log = Path(printed_path(first_run, "log")).read_text(encoding="utf-8")
    assert "tfxkit CsvExampleGen: examples read and written in process" in log
    assert "tfxkit evaluator: TFMA's metrics computed in process" in log
    assert "TFMA's Beam pipeline" not in log


def test_pushed_model_serves_raw_examples(first_run, root):
    import tensorflow as tf

    assert first_run.code == 0
    model = tf.saved_model.load(str(root / "serving" / pushed_versions(root)[0]))
    examples, _ = penguin_rows(5)
    out = model.signatures["serving_default"](examples=tf.constant(examples))["outputs"].numpy()
    assert out.shape == (5, 3)
    assert abs(out.sum(axis=1) - 1).max() < 1e-4  # class probabilities


def test_second_run_with_nothing_changed_is_cached(first_run, root):
    assert first_run.code == 0
    store, first_id, _ = last_run(root)

    # Default: the up-to-date check recognises the unchanged inputs; TFX is not launched.
    again = run_cli("run", SPEC, "--root", str(root))
    assert again.code == 0, again.stderr[-3000:]
    assert f"up to date: data, spec and code unchanged since run {first_id}" in again.stdout
    assert "metric accuracy = " in again.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from tfxkit.cli import main; code = main(sys.argv[1:]); "
         "print('heavy:', sorted(m for m in ('tensorflow', 'tfx', 'apache_beam') if m in sys.modules), code)",
         "run", SPEC, "--root", str(root)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert "heavy: [] 0" in probe.stdout  # the up-to-date path never loads TensorFlow, TFX or Beam

    # --force launches TFX: every component is served from TFX's cache, nothing is re-pushed. The gate
    # alone runs again: a model is served now, so it checks the data for drift against that model's data.
    forced = run_cli("run", SPEC, "--root", str(root), "--force")
    assert forced.code == 0, forced.stderr[-3000:]
    _, forced_id, nodes = last_run(root)
    assert forced_id != first_id
    assert {n: r.state for n, r in nodes.items() if n in ALL_NODES} == {
        n: "COMPLETE" if n == "AnomaliesGate" else "CACHED" for n in ALL_NODES}
    assert "(unchanged: pushed by an earlier run)" in forced.stdout
    assert len(pushed_versions(root)) == 1


def test_changed_data_is_not_served_from_the_cache(first_run, root, tmp_path):
    assert first_run.code == 0
    data = tmp_path / "penguins.csv"
    lines = (REPO_ROOT / "data/penguins/penguins.csv").read_text().splitlines()
    data.write_text("\n".join(lines[:-20]) + "\n")  # 20 fewer rows
    result = run_cli("run", SPEC, "--root", str(root), "--set", f"data.path={data}",
                     "--set", "evaluation.thresholds.accuracy.lower_bound=0.5")
    assert "up to date" not in result.stdout
    assert result.code in (0, 3), result.stderr[-3000:]
    _, _, nodes = last_run(root)
    assert nodes["CsvExampleGen"].state == "COMPLETE"
    assert nodes["Transform"].state == "COMPLETE"
    assert nodes["Trainer"].state == "COMPLETE"


def test_threshold_the_model_cannot_meet_pushes_nothing(first_run, root):
    assert first_run.code == 0
    before = pushed_versions(root)
    result = run_cli("run", SPEC, "--root", str(root), "--set", "evaluation.thresholds.accuracy.lower_bound=0.999")
    assert result.code == 3, result.stderr[-3000:]
    assert "not pushed: model not blessed: accuracy 0.9" in result.stderr
    assert "is below lower_bound 0.999 on all data" in result.stderr
    _, _, nodes = last_run(root)
    assert nodes["Evaluator"].state == "COMPLETE"
    assert nodes["Evaluator"].output("blessing").properties["blessed"] == 0
    assert nodes["Pusher"].output("pushed_model").properties.get("pushed") == 0
    assert pushed_versions(root) == before


def test_anomalous_data_stops_before_transform(tmp_path):
    data = tmp_path / "penguins.csv"
    lines = (REPO_ROOT / "data/penguins/penguins.csv").read_text().splitlines()
    lines[1:4] = [line.replace("Torgersen", "Atlantis") for line in lines[1:4]]
    data.write_text("\n".join(lines) + "\n")
    root = tmp_path / "root"

    result = run_cli("run", SPEC, "--root", str(root), "--set", f"data.path={data}")
    assert result.code == 1
    assert "run failed in AnomaliesGate: data validation failed" in result.stderr
    assert "island: Unexpected string values" in result.stderr
    assert "Traceback" not in result.stderr
    _, _, nodes = last_run(root)
    assert nodes["ExampleValidator"].state == "COMPLETE"
    assert nodes["AnomaliesGate"].state == "FAILED"
    assert not {"Transform", "Trainer", "Evaluator", "Pusher"} & set(nodes)
    assert pushed_versions(root) == []
