"""End to end: pipelines/penguin_checked.yaml, with the two custom components of components/.

One pipeline root, three runs in order: a run that passes the serving check, pushes and
writes the model card beside the pushed model; a run whose serving check fails honestly
(a p95 latency budget of 0 ms), served from TFX's cache up to the Trainer, that pushes
nothing and exits 1 with the reason; and a run whose ServingCheck executor raises (a split
that does not exist), which stops before the Pusher.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, CliResult, run_cli
from tests.e2e.conftest import executions_in_state, kill_while_held, printed_metric
from tfxkit.config.metadata_url import MetadataUrl
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.keys import FILES, RUN
from tfxkit.metadata.runs import latest_run_id, node_runs, recorded_facts, recorded_spec
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e

SPEC = REPO_ROOT / "pipelines/penguin_checked.yaml"
PIPELINE = "penguin_checked"


def store_for(root: Path) -> Store:
    return Store(connection_config(MetadataUrl("sqlite", path=str(root / "metadata.sqlite"))))


def last_run(root: Path):
    store = store_for(root)
    run_id = latest_run_id(store, PIPELINE)
    return store, run_id, node_runs(store, PIPELINE, run_id)


def pushed_versions(root: Path) -> list[str]:
    serving = root / "serving"
    return sorted(p for p in os.listdir(serving) if not p.startswith(".")) if serving.exists() else []


def variant(tmp_path: Path, old: str, new: str) -> Path:
    """The example spec with one parameter changed, written elsewhere (its paths made absolute)."""
    text = SPEC.read_text().replace("../", f"{REPO_ROOT}/")
    assert text.count(old) == 1
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new))
    return path


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("penguin_checked")


@pytest.fixture(scope="module")
def first_run(root) -> CliResult:
    return run_cli("run", str(SPEC), "--root", str(root))


def test_passing_check_pushes_and_the_model_card_lands_beside_the_model(first_run, root):
    assert first_run.code == 0, first_run.stderr[-3000:]
    pushed = re.search(r"pushed\s+(\S+)", first_run.stdout).group(1)
    store, run_id, nodes = last_run(root)
    assert nodes["ServingCheck"].state == "COMPLETE"
    blessing = nodes["ServingCheck"].output("blessing")
    assert blessing.properties["blessed"] == 1
    result = json.loads(Path(blessing.uri, "serving_check.json").read_text())
    assert result["outputs"]["outputs"]["dtype"] == "float32" and result["outputs"]["outputs"]["shape"][0] == 64
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p95"]

    md = Path(pushed, "model_card.md").read_text()
    html = Path(pushed, "model_card.html").read_text()
    assert Path(pushed, "saved_model.pb").exists()
    accuracy = printed_metric(first_run, "accuracy")  # the Evaluator's value, as `tfxkit run` printed it
    overall = next(line for line in md.splitlines() if line.startswith("| all data |"))
    assert f"{accuracy:.4f}" in overall
    assert f"<td>{accuracy:.4f}</td>" in html
    assert "island=Biscoe" in md and "island=Dream" in md and "island=Torgersen" in md
    assert "### Split `train`" in md and "| flipper_length_mm | numeric |" in md
    assert "epochs run: " in md and "of 10" in md
    # The lineage facts tfxkit recorded after the run are the ones the card carried in.
    spec_hash = recorded_spec(store, run_id)[1]
    assert f"spec hash: `{spec_hash}` (pipeline `penguin_checked`)" in md
    examples = nodes["CsvExampleGen"].output("examples")
    data = recorded_facts(store, PIPELINE)[str(examples.id)][FILES][0]
    assert f"data file `{data['path']}`: sha256 `{data['sha256']}`" in md


def test_a_custom_component_killed_while_it_runs_finishes_on_the_next_run(first_run, root, tmp_path):
    """kill -9 while ServingCheck (a custom component) runs: its execution stays RUNNING in MLMD, nothing is
    pushed; the next run re-runs it (the Trainer and everything before it from the cache) and pushes."""
    assert first_run.code == 0
    before = pushed_versions(root)
    spec = variant(tmp_path, "max_latency_p95_ms: 250", "max_latency_p95_ms: 251")  # ServingCheck must re-run
    killed = kill_while_held(root, "ServingCheck", str(spec), "--root", str(root), hold_file=tmp_path / "held")
    assert killed.code == -signal.SIGKILL, killed.stderr[-3000:]
    assert "▶ ServingCheck" in killed.stdout.splitlines() and "▶ Pusher" not in killed.stdout
    assert executions_in_state(root, "ServingCheck") == 1  # the killed one, left RUNNING
    assert pushed_versions(root) == before

    rerun = run_cli("run", str(spec), "--root", str(root))
    assert rerun.code == 0, rerun.stdout + rerun.stderr[-3000:]
    _, _, nodes = last_run(root)
    assert nodes["ServingCheck"].state == "COMPLETE" and nodes["Pusher"].state == "COMPLETE"
    assert nodes["Trainer"].state == "CACHED" and nodes["Transform"].state == "CACHED"
    assert len(pushed_versions(root)) == len(before) + 1


def test_failed_serving_check_blocks_the_pusher_and_says_why(first_run, root, tmp_path):
    assert first_run.code == 0
    before = pushed_versions(root)
    spec = variant(tmp_path, "max_latency_p95_ms: 250", "max_latency_p95_ms: 0")
    result = run_cli("run", str(spec), "--root", str(root))
    assert result.code == 1, result.stdout + result.stderr[-3000:]
    assert "tfxkit: run failed in ServingCheck: the model did not pass ServingCheck: latency p95 " in result.stderr
    assert "ms is over the budget of 0 ms (30 single-example requests)" in result.stderr
    assert "tfxkit: nothing was pushed" in result.stderr
    assert pushed_versions(root) == before
    store, run_id, nodes = last_run(root)
    assert nodes["Trainer"].state == "CACHED" and nodes["Transform"].state == "CACHED"  # only the check re-ran
    assert nodes["ServingCheck"].state == "COMPLETE"
    assert nodes["ServingCheck"].output("blessing").properties["blessed"] == 0
    assert nodes["Pusher"].output("pushed_model").properties.get("pushed") == 0
    summary = store.run(run_id).json_property(RUN)
    assert summary["status"] == "failed" and summary["failed_node"] == "ServingCheck"
    assert summary["reason"].startswith("ServingCheck refused the model: latency p95 ")


def test_a_component_that_raises_stops_the_run_before_the_pusher(first_run, root, tmp_path):
    assert first_run.code == 0
    before = pushed_versions(root)
    spec = variant(tmp_path, "num_examples: 64", "num_examples: 64\n      split: test")
    result = run_cli("run", str(spec), "--root", str(root))
    assert result.code == 1, result.stdout + result.stderr[-3000:]
    error = next(line for line in result.stderr.splitlines() if line.startswith("tfxkit: run failed in "))
    assert error.startswith("tfxkit: run failed in ServingCheck: ")
    assert "the examples have no split 'test' (splits: train, eval)" in result.stderr
    assert "tfxkit: nothing was pushed" in result.stderr
    assert pushed_versions(root) == before
    _, _, nodes = last_run(root)
    assert nodes["ServingCheck"].state == "FAILED"
    assert "Pusher" not in nodes or nodes["Pusher"].state not in ("COMPLETE", "CACHED")
