"""The Pusher's copy into the serving folder: a version folder appears whole or not at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tfxkit.components.atomic_pusher.atomic_copy import PARTIAL_SUFFIX, atomic_copy_dir


def _model(folder: Path) -> Path:
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"graph")
    (folder / "variables" / "variables.index").write_bytes(b"index")
    return folder


def test_a_push_appears_whole_and_an_existing_version_is_left_alone(tmp_path):
    model = _model(tmp_path / "model")
    serving = tmp_path / "serving"
    assert atomic_copy_dir(str(model), str(serving / "1700000000"))
    assert sorted(p.name for p in serving.iterdir()) == ["1700000000"]
    assert (serving / "1700000000" / "variables" / "variables.index").read_bytes() == b"index"
    (model / "saved_model.pb").write_bytes(b"other graph")
    assert not atomic_copy_dir(str(model), str(serving / "1700000000"))
    assert (serving / "1700000000" / "saved_model.pb").read_bytes() == b"graph"


def test_a_copy_that_dies_half_way_leaves_no_version_folder_and_the_next_push_cleans_up(tmp_path, monkeypatch):
    model = _model(tmp_path / "model")
    serving = tmp_path / "serving"

    def dies_after_the_first_file(src, dst, **kwargs):
        Path(dst).mkdir(parents=True)
        shutil.copy(Path(src) / "saved_model.pb", dst)
        raise KeyboardInterrupt  # what a kill looks like from inside: the copy never finishes

    monkeypatch.setattr(shutil, "copytree", dies_after_the_first_file)
    with pytest.raises(KeyboardInterrupt):
        atomic_copy_dir(str(model), str(serving / "1700000000"))
    assert [p.name for p in serving.iterdir()] == [f".1700000000{PARTIAL_SUFFIX}"]  # servers skip hidden folders
    monkeypatch.undo()
    assert atomic_copy_dir(str(model), str(serving / "1700000001"))
    assert sorted(p.name for p in serving.iterdir()) == ["1700000001"]
