"""tfxkit.lineage.reverse: every model trained on a data file, found by path or by content."""

from __future__ import annotations

import shutil

import pytest

from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.reverse import models_from_data
from tfxkit.lineage.text import format_reverse


def test_both_models_trained_on_the_file_and_the_served_one(lineage_history):
    h = lineage_history
    r = models_from_data(h.store(), str(h.pipeline.data_file), ["penguin"])
    models = r["models"]
    assert [m["model_id"] for m in models] == [h.first.model_id, h.second.model_id]  # the third reused the second's
    assert [m["trained_in_run"] for m in models] == [h.first.run_id, h.second.run_id]
    assert [m["is_served"] for m in models] == [False, True]
    assert [m["pushed_to"] for m in models] == [[h.first.pushed_to], [h.second.pushed_to]]
    assert all(m["files"][0]["matched_by"] == "path" for m in models)
    text = format_reverse(r)
    assert f"data {h.pipeline.data_file}: 2 models trained on it" in text
    assert f"model {h.second.model_id} (penguin, run {h.second.run_id}): SERVED NOW" in text


def test_a_copy_under_another_name_is_found_by_content_and_a_folder_by_path(lineage_history, tmp_path):
    h = lineage_history
    copy = tmp_path / "renamed.csv"
    shutil.copy(h.pipeline.data_file, copy)
    by_content = models_from_data(h.store(), str(copy), ["penguin"])
    assert len(by_content["models"]) == 2 and by_content["models"][0]["files"][0]["matched_by"] == "content"
    assert len(models_from_data(h.store(), str(h.pipeline.data_file.parent), ["penguin"])["models"]) == 2
    other = tmp_path / "other.csv"
    other.write_text("species\nAdelie\n")
    assert models_from_data(h.store(), str(other), ["penguin"])["models"] == []


def test_a_file_that_is_gone_and_never_read(lineage_history, tmp_path):
    with pytest.raises(LineageError, match=f"{tmp_path}/gone.csv: no such file or folder, and no recorded run read it "
                                           f"\\(recorded data files: {lineage_history.pipeline.data_file}\\)"):
        models_from_data(lineage_history.store(), str(tmp_path / "gone.csv"), ["penguin"])
