"""`tfxkit rollback` on stores built with MLMD's API (tests/mlmd_store.py): what it writes, what it records,
what every audit then says, and each refusal (one line, exit 2)."""

from __future__ import annotations

import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mlmd_store import PipelineStore, penguin_history
from tfxkit.components.atomic_pusher.versions import model_digest
from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.models import model_versions
from tfxkit.lineage.provenance import provenance
from tfxkit.metadata import keys
from tfxkit.registry.rollback import plan_rollback, rollback


@pytest.fixture
def history(tmp_path):
    return penguin_history(tmp_path)


def _cli(*args: str):
    return run_cli(*args)


def test_a_rollback_serves_the_earlier_model_s_bytes_as_a_new_highest_version_and_records_it(history):
    store = history.store()
    first, second = Path(history.first.pushed_to), Path(history.second.pushed_to)
    done = rollback(store, plan_rollback(store, "penguin", "canary errors"))  # default: the previous version
    folder = Path(done.folder)
    assert done.version > int(second.name) and folder.parent == second.parent
    assert model_digest(str(folder)) == model_digest(str(first))
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # the claim is released

    store = history.store()
    [execution] = store.executions_of_type(keys.ROLLBACK_TYPE, "penguin")
    props = execution.properties
    assert execution.node_id == keys.ROLLBACK_NODE and execution.state == "COMPLETE"
    assert (props[keys.FROM_VERSION], props[keys.REPLACED_VERSION]) == (int(first.name), int(second.name))
    assert props[keys.FROM_MODEL] == history.first.model_id and props[keys.REASON] == "canary errors"
    assert props[keys.USER] and props[keys.TIME].startswith("20")
    links = store.links_of_executions([execution.id])
    assert [(link.key, link.artifact_id) for link in links if not link.is_output] == [("model", history.first.model_id)]
    [push] = [store.artifact(link.artifact_id) for link in links if link.is_output]
    assert push.type == "PushedModel" and push.properties["pushed"] == 1
    assert push.properties["pushed_destination"] == done.folder
    assert store.runs_of_execution(execution.id) == [done.run_id]


def test_after_a_rollback_every_audit_names_it(history):
    store = history.store()
    done = rollback(store, plan_rollback(store, "penguin", "canary errors"))
    store = history.store()
    latest = provenance(store, "penguin")
    assert latest["model"]["artifact_id"] == history.first.model_id
    assert latest["model"]["run"] == history.first.run_id  # the run that trained it, through the rollback
    assert latest["pushed"]["run"] == done.run_id and latest["pushed"]["is_served"]
    assert latest["rollback"]["reason"] == "canary errors"
    assert provenance(store, "penguin", done.run_id)["model"]["artifact_id"] == history.first.model_id
    statuses = {v.version: (v.status, v.kind) for v in model_versions(store, "penguin")}
    assert statuses == {done.version: ("serving", "rollback"),
                        int(Path(history.second.pushed_to).name): ("rolled_back", "push"),
                        int(Path(history.first.pushed_to).name): ("previous", "push")}
    runs = _cli("runs", "--metadata", history.pipeline.url, "--format", "json")
    row = json.loads(runs.stdout)["runs"][0]
    assert (row["run_id"], row["status"], row["pushed_to"]) == (done.run_id, "rolled_back", done.folder)
    text = _cli("models", "--metadata", history.pipeline.url).stdout
    assert f"{done.version}  serving" in text and "canary errors" in text


def test_a_removed_version_is_marked_and_a_removed_folder_with_no_copy_cannot_be_served_again(history):
    first = Path(history.first.pushed_to)
    shutil.rmtree(first)
    store = history.store()
    assert {v.version: v.status for v in model_versions(store, "penguin")}[int(first.name)] == "removed"
    # the Pusher's own copy under the root still holds the bytes: the rollback copies from it
    assert plan_rollback(store, "penguin", "r", int(first.name)).source == history.first.uri("Pusher", "pushed_model")
    shutil.rmtree(history.first.uri("Pusher", "pushed_model"))
    with pytest.raises(LineageError, match=f"--to {first.name}: the files of version {first.name} are gone"):
        plan_rollback(store, "penguin", "r", int(first.name))


@pytest.mark.parametrize("args, message", [
    (["--to", "12345", "--reason", "r"], "--to 12345: pipeline 'penguin' pushed no version 12345"),
    (["--reason", "  "], "--reason: say why the model is rolled back"),
    (["--to", "{serving}", "--reason", "r"], "is the one serving now; nothing to roll back"),
])
def test_refusals_are_one_line_exit_2_and_change_nothing(history, args, message):
    serving = Path(history.second.pushed_to)
    before = sorted(p.name for p in serving.parent.iterdir())
    result = _cli("rollback", "--metadata", history.pipeline.url, *[a.format(serving=serving.name) for a in args])
    assert result.code == 2 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert sorted(p.name for p in serving.parent.iterdir()) == before
    assert history.store().executions_of_type(keys.ROLLBACK_TYPE, "penguin") == []


def test_nothing_to_roll_back_to_with_one_version_or_none(tmp_path):
    pipeline = PipelineStore(tmp_path)
    pipeline.run(accuracy=0.5)  # below the gate: not pushed
    result = _cli("rollback", "--metadata", pipeline.url, "--reason", "r")
    assert result.code == 2 and "nothing to roll back to: pipeline 'penguin' has pushed no model yet" in result.stderr
    pipeline.run(accuracy=0.95)
    result = _cli("rollback", "--metadata", pipeline.url, "--reason", "r")
    assert result.code == 2 and "nothing to roll back to: no earlier version of another model" in result.stderr


def test_a_rolled_back_version_is_not_the_default_again_but_can_be_named(history):
    store = history.store()
    rollback(store, plan_rollback(store, "penguin", "first"))
    with pytest.raises(LineageError, match="nothing to roll back to"):
        plan_rollback(history.store(), "penguin", "again")  # the only other model was rolled back
    second = int(Path(history.second.pushed_to).name)
    assert plan_rollback(history.store(), "penguin", "it was fine", second).target["version"] == second


def test_dry_run_changes_nothing(history):
    serving = Path(history.second.pushed_to).parent
    before = sorted(p.name for p in serving.iterdir())
    result = _cli("rollback", "--metadata", history.pipeline.url, "--reason", "r", "--dry-run", "--format", "json")
    assert result.code == 0 and json.loads(result.stdout)["plan"]["target"]["model_id"] == history.first.model_id
    assert sorted(p.name for p in serving.iterdir()) == before
    assert history.store().executions_of_type(keys.ROLLBACK_TYPE, "penguin") == []


def test_two_rollbacks_at_once_are_both_recorded_with_distinct_versions(history):
    first = int(Path(history.first.pushed_to).name)
    both_copying = threading.Barrier(2, timeout=30)

    def held_copy(src: str, dst: str) -> None:
        shutil.copytree(src, dst)
        both_copying.wait()  # both have claimed a version before either renames it into place

    def roll(reason: str):
        store = history.store()
        return rollback(store, plan_rollback(store, "penguin", reason, first), copy=held_copy)

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(roll, ("one", "two")))
    assert len({d.version for d in done}) == 2 and len({d.run_id for d in done}) == 2
    store = history.store()
    assert sorted(e.properties[keys.REASON] for e in store.executions_of_type(keys.ROLLBACK_TYPE, "penguin")) == \
        ["one", "two"]
    versions = model_versions(store, "penguin")
    assert [v.version for v in versions if v.status == "serving"] == [max(d.version for d in done)]


def test_a_rollback_that_cannot_be_recorded_takes_its_version_away_again(history, monkeypatch):
    store = history.store()
    plan = plan_rollback(store, "penguin", "r")
    serving = Path(history.second.pushed_to).parent
    before = sorted(p.name for p in serving.iterdir())

    def store_gone(step):
        raise ConnectionError("the metadata server went away")

    monkeypatch.setattr(store, "record_execution", store_gone)
    with pytest.raises(ConnectionError):
        rollback(store, plan)
    assert sorted(p.name for p in serving.iterdir()) == before
