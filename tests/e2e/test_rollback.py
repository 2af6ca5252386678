"""Rollback on real TFX: penguin pushes twice (different epochs), `rollback --to` the first version serves its
bytes again as a new highest version, the audit reaches the run that trained it through the rollback, the next
run's Evaluator compares against it, and two rollbacks started at once on one store both land.

One chain per module on a fresh root (small epochs); the gate is loosened so every run is blessed and pushed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
GATE = ("--set", "evaluation.thresholds.accuracy.lower_bound=0.3",
        "--set", "evaluation.thresholds.accuracy.min_improvement=-1")
REASON = "accuracy on live traffic fell after version 2"


@dataclass
class Chain:
    root: Path
    runs: list[str]  # run ids, oldest first
    pushed: list[Path]  # the version folder each run pushed
    models: list[int]  # the Model each run trained
    rollback: dict  # `rollback --format json` of the rollback to version 1


def _run(root: Path, epochs: int) -> str:
    result = run_cli("run", SPEC, "--root", str(root), "--set", f"trainer.epochs={epochs}", *GATE)
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return re.search(r"run (\d{8}-\d{6}-\w+)", result.stdout).group(1)


def _json(*args: str) -> dict:
    result = run_cli(*args, "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _audit(verb: str, root: Path, *args: str) -> dict:
    return _json(verb, SPEC, "--root", str(root), *args)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Chain:
    root = tmp_path_factory.mktemp("rollback") / "root"
    runs, pushed, models = [], [], []
    for epochs in (5, 3):
        runs.append(_run(root, epochs))
        lineage = _audit("lineage", root, runs[-1])
        pushed.append(Path(lineage["pushed"]["destination"]))
        models.append(lineage["model"]["artifact_id"])
    first_version = int(pushed[0].name)
    rollback = _audit("rollback", root, "--to", str(first_version), "--reason", REASON)
    return Chain(root, runs, pushed, models, rollback)


def _saved_model(folder: Path) -> tuple[bytes, dict[str, str]]:
    """saved_model.pb's bytes and a digest of every file under variables/."""
    variables = {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted((folder / "variables").rglob("*")) if p.is_file()}
    return (folder / "saved_model.pb").read_bytes(), variables


def test_the_two_pushes_hold_different_models(chain):
    assert chain.models[0] != chain.models[1]
    assert _saved_model(chain.pushed[0])[1] != _saved_model(chain.pushed[1])[1]


def test_models_shows_version_1_s_bytes_serving_as_a_new_version_and_version_2_rolled_back(chain):
    versions = {v["version"]: v for v in _audit("models", chain.root)["versions"]}
    new = chain.rollback["version"]
    first, second = (int(p.name) for p in chain.pushed)
    assert new > second > first and set(versions) == {first, second, new}
    assert versions[new]["status"] == "serving" and versions[new]["kind"] == "rollback"
    assert versions[new]["model_id"] == chain.models[0]
    assert versions[new]["rollback"]["from_version"] == first and versions[new]["rollback"]["reason"] == REASON
    assert versions[second]["status"] == "rolled_back" and versions[second]["rolled_back_by"]["version"] == new
    assert versions[first]["status"] == "previous"
    assert versions[new]["metrics"] == versions[first]["metrics"]  # the same model: its evaluation at its push
    text = run_cli("models", SPEC, "--root", str(chain.root)).stdout
    assert f"{new}  serving" in text and f"{second}  rolled back" in text and REASON in text


def test_the_served_folder_holds_run_1_s_saved_model(chain):
    served = chain.root / "serving" / str(chain.rollback["version"])  # penguin.yaml pushes to <root>/serving
    assert Path(chain.rollback["folder"]) == served
    assert _saved_model(served) == _saved_model(chain.pushed[0])
    assert max(int(n) for n in os.listdir(served.parent) if n.isdigit()) == chain.rollback["version"]
    assert not [n for n in os.listdir(served.parent) if n.startswith(".")]  # no claim left behind


def test_lineage_latest_reaches_the_run_that_trained_the_model_through_the_rollback(chain):
    lineage = _audit("lineage", chain.root)
    assert lineage["pushed"]["run"] == chain.rollback["run_id"] and lineage["pushed"]["is_served"]
    assert lineage["rollback"]["reason"] == REASON and lineage["rollback"]["run"] == chain.rollback["run_id"]
    assert lineage["model"]["artifact_id"] == chain.models[0] and lineage["model"]["run"] == chain.runs[0]
    assert lineage["examples"]["files"]  # the data behind it, as for any pushed model
    runs = {r["run_id"]: r for r in _audit("runs", chain.root)["runs"]}
    assert runs[chain.rollback["run_id"]]["status"] == "rolled_back"
    assert runs[chain.rollback["run_id"]]["pushed_to"] == chain.rollback["folder"]


@pytest.fixture(scope="module")
def next_run(chain) -> str:
    return _run(chain.root, 4)


def test_the_next_run_s_evaluator_compares_against_the_rolled_back_model(chain, next_run):
    from tfxkit.metadata.connection import store_config
    from tfxkit.metadata.store import Store

    store = Store(store_config(None, str(chain.root), str(chain.root), read_only=True))
    evaluator = next(e for e in store.run_executions("penguin", next_run) if e.node_id == "Evaluator")
    baseline = [link.artifact_id for link in store.links_of_executions([evaluator.id])
                if not link.is_output and link.key == "baseline_model"]
    assert baseline == [chain.models[0]]  # the served (rolled-back-to) model, not version 2's newer blessed one
    blessing = _audit("lineage", chain.root, next_run)["blessing"]
    assert blessing["baseline_model_id"] == chain.models[0]


def test_two_rollbacks_started_at_once_are_both_recorded_with_distinct_versions(chain, next_run):
    from tfxkit.metadata.connection import store_config
    from tfxkit.metadata.store import Store
    from tfxkit.registry.rollback import plan_rollback, rollback

    first, second = (int(p.name) for p in chain.pushed)
    both_copying = threading.Barrier(2, timeout=60)

    def held_copy(src: str, dst: str) -> None:
        shutil.copytree(src, dst)
        both_copying.wait()  # each has claimed its version and copied: neither renames before the other got here

    def roll(to: int) -> dict:
        store = Store(store_config(None, str(chain.root), str(chain.root)))
        plan = plan_rollback(store, "penguin", f"concurrent rollback to {to}", to)
        return rollback(store, plan, copy=held_copy).to_json()

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(roll, (first, second)))
    assert done[0]["version"] != done[1]["version"] and done[0]["run_id"] != done[1]["run_id"]
    versions = _audit("models", chain.root)["versions"]
    rollbacks = {v["version"]: v for v in versions if v["kind"] == "rollback"}
    assert {d["version"] for d in done} <= set(rollbacks)
    assert [v["version"] for v in versions if v["status"] == "serving"] == [max(d["version"] for d in done)]
    served_model = {d["version"]: d["plan"]["target"]["model_id"] for d in done}[max(d["version"] for d in done)]
    assert _audit("lineage", chain.root)["model"]["artifact_id"] == served_model
