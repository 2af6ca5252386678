"""`tfxkit models`: every pushed version, its status as a model server sees the destination, and its facts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import run_cli
from tests.mlmd_store import penguin_history
from tfxkit.lineage.models import model_versions, served_push


def test_every_pushed_version_highest_first_with_its_run_metrics_and_data(tmp_path):
    history = penguin_history(tmp_path)  # two pushes, then a run that was not blessed (no version)
    versions = model_versions(history.store(), "penguin")
    assert [(v.version, v.status, v.run_id, v.model_id) for v in versions] == [
        (int(Path(history.second.pushed_to).name), "serving", history.second.run_id, history.second.model_id),
        (int(Path(history.first.pushed_to).name), "previous", history.first.run_id, history.first.model_id)]
    assert versions[0].metrics == history.second.metrics and versions[1].metrics == history.first.metrics
    assert versions[0].data == str(history.pipeline.data_file) and versions[0].kind == "push"


def test_the_highest_version_present_serves_and_a_removed_one_is_marked(tmp_path):
    history = penguin_history(tmp_path)
    shutil.rmtree(history.second.pushed_to)  # the newest version's folder is gone: the server falls back
    store = history.store()
    statuses = {v.model_id: v.status for v in model_versions(store, "penguin")}
    assert statuses == {history.second.model_id: "removed", history.first.model_id: "serving"}
    assert served_push(store, "penguin").properties["pushed_destination"] == history.first.pushed_to


def test_the_cli_answers_in_text_and_json(tmp_path):
    history = penguin_history(tmp_path)
    text = run_cli("models", "--metadata", history.pipeline.url)
    assert text.code == 0 and text.stdout.startswith("pipeline penguin: 2 model versions, highest first")
    assert f"{Path(history.second.pushed_to).name}  serving" in text.stdout
    answer = json.loads(run_cli("models", "--metadata", history.pipeline.url, "--format", "json").stdout)
    assert [v["status"] for v in answer["versions"]] == ["serving", "previous"]
