"""Rollback on real TFX: penguin pushes twice (different epochs), `rollback --to` the first version serves its
bytes again as a new highest version, the audit reaches the run that trained it through the rollback, the next
run's Evaluator compares against it, two rollbacks started at once on one store both land, and the serving model
is promoted to a second named destination (`production`) without changing what the pipeline serves.

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
from tfxkit.commands.common import EXIT_NOT_BLESSED

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


def _run(root: Path, epochs: int, *args: str, code: int = 0) -> str:
    result = run_cli("run", SPEC, "--root", str(root), "--set", f"trainer.epochs={epochs}", *GATE, *args)
    assert result.code == code, result.stdout[-2000:] + result.stderr[-3000:]
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


# A run whose model no gate could bless: nothing of its own is in a destination or in a later run's lineage.
# Refused by the gate whatever one epoch reaches: accuracy 0.5 above the served model's (a 0.999 floor was
# once met by a one-epoch model, which then pushed).
REJECTED = ("--set", "trainer.epochs=1", "--set", "evaluation.thresholds.accuracy.min_improvement=0.5")


@pytest.fixture(scope="module")
def rejected_run(chain) -> str:
    return _run(chain.root, 1, *REJECTED, code=EXIT_NOT_BLESSED)


@pytest.fixture(scope="module")
def next_run(chain, rejected_run) -> str:
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


def test_promote_copies_the_serving_model_to_production_and_the_pipeline_s_serving_version_stays(chain, next_run):
    """No extra run: the runs pushed to <root>/serving; promote names it `staging` (the first of push.destinations,
    given by --set as a YAML flow mapping) and copies the model serving there to `production`."""
    before = _audit("models", chain.root)["versions"]
    [served] = [v for v in before if v["status"] == "serving"]
    lineage_before = _audit("lineage", chain.root)["model"]["artifact_id"]
    production = chain.root / "production"
    destinations = f"push.destinations={{staging: {chain.root / 'serving'}, production: {production}}}"
    done = _json("promote", SPEC, str(served["version"]), "--root", str(chain.root), "--set", destinations,
                 "--to", "production", "--reason", "passed staging")
    folder = Path(done["folder"])
    assert folder.parent == production and [n for n in os.listdir(production)] == [folder.name]
    assert _saved_model(folder) == _saved_model(Path(served["destination"]))  # that model's SavedModel bytes

    versions = _audit("models", chain.root)["versions"]
    rows = {v["version"]: v for v in versions}
    promoted = rows[done["version"]]
    assert (promoted["status"], promoted["kind"], promoted["destination_name"]) == ("serving", "promote", "production")
    assert promoted["model_id"] == served["model_id"] and promoted["promotion"]["reason"] == "passed staging"
    pipeline_serving = [v["version"] for v in versions if v["status"] == "serving" and v["kind"] != "promote"]
    assert pipeline_serving == [served["version"]]  # the pipeline's serving version is unchanged
    assert _audit("lineage", chain.root)["model"]["artifact_id"] == lineage_before
    runs = {r["run_id"]: r for r in _audit("runs", chain.root)["runs"]}
    assert runs[done["run_id"]]["status"] == "promoted"


def _states(root: Path, run_id: str) -> dict[str, str]:
    return next(r for r in _audit("runs", root)["runs"] if r["run_id"] == run_id)["nodes"]


def test_gc_keeps_what_serves_and_the_last_run_and_a_forced_rerun_recomputes_what_it_removed(
        chain, rejected_run, next_run):
    """Runs last in the module (it removes files): gc --keep 1, then the rejected run's settings again."""
    rejected = _audit("lineage", chain.root, rejected_run)
    rejected_model = Path(rejected["model"]["uri"])
    served_before = _audit("lineage", chain.root)
    versions_before = _audit("models", chain.root)["versions"]

    dry = _audit("gc", chain.root, "--keep", "1", "--dry-run")
    assert rejected_model.is_dir() and dry["kept_runs"] == [next_run]
    done = _audit("gc", chain.root, "--keep", "1")
    assert done["bytes"] == dry["bytes"] > 0 and done["removals"] == dry["removals"]
    gone = {r["artifact_id"] for r in done["removals"]}
    assert rejected["model"]["artifact_id"] in gone and not rejected_model.exists()
    assert not (chain.root / "logs" / f"run-{rejected_run}.log").exists()
    # What serves, and its whole lineage, is untouched; every version is still where it was.
    assert _audit("models", chain.root)["versions"] == versions_before
    served = _audit("lineage", chain.root)
    assert served == served_before and Path(served["model"]["uri"]).is_dir()
    assert Path(served["examples"]["uri"]).is_dir() and Path(served["transform"]["uri"]).is_dir()
    assert _audit("lineage", chain.root, rejected_run)["model"]["artifact_id"] == rejected["model"]["artifact_id"]

    # The rejected run's settings again, forced: TFX's cache finds its Trainer's outputs DELETED and trains anew
    # (the data nodes still come from the cache); pipeline.keep_runs then collects after the run by itself.
    again = _run(chain.root, 1, *REJECTED, "--force", "--set", "pipeline.keep_runs=1", code=EXIT_NOT_BLESSED)
    nodes = _states(chain.root, again)
    assert nodes["Trainer"] == "complete" and nodes["CsvExampleGen"] == "cached" and nodes["Transform"] == "cached"
    retrained = _audit("lineage", chain.root, again)["model"]
    assert retrained["artifact_id"] != rejected["model"]["artifact_id"] and Path(retrained["uri"]).is_dir()
    assert not (chain.root / "logs" / f"run-{next_run}.log").exists()  # keep_runs=1 kept only this run's
    assert _audit("lineage", chain.root)["model"]["artifact_id"] == served["model"]["artifact_id"]
