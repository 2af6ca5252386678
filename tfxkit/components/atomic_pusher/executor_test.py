"""The Pusher's versions: unique under concurrency, whole or absent, recorded only when in place.

Races are forced, not waited for: every push is given the same clock second, and
a push is held mid-copy by an event while the others run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tfxkit.components.atomic_pusher import versions
from tfxkit.components.atomic_pusher.versions import CLAIM_SUFFIX, PushNotInPlace, model_digest, push_version

SECOND = 1700000000.0


def _model(folder: Path, weights: bytes) -> Path:
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"graph")
    (folder / "variables" / "variables.data-00000-of-00001").write_bytes(weights)
    (folder / "fingerprint.pb").write_bytes(b"fingerprint of " + weights)
    return folder


def _visible(serving: Path) -> list[str]:
    return sorted(p.name for p in serving.iterdir() if not p.name.startswith("."))


def test_four_pushes_in_the_same_second_each_get_a_version_holding_their_own_model(tmp_path):
    models = [_model(tmp_path / f"model{i}", f"weights {i}".encode()) for i in range(4)]
    serving = tmp_path / "serving"
    start = threading.Barrier(4)

    def push(model: Path) -> str:
        start.wait()  # all four claim at once
        return push_version(str(model), str(serving), clock=lambda: SECOND)

    with ThreadPoolExecutor(4) as pool:
        pushed = list(pool.map(push, models))
    assert sorted(pushed) == [str(int(SECOND) + i) for i in range(4)]
    assert _visible(serving) == sorted(pushed)
    for model, version in zip(models, pushed):
        assert model_digest(str(serving / version)) == model_digest(str(model)), version
    assert [p.name for p in serving.iterdir() if p.name.startswith(".")] == []  # claims released


def test_a_push_held_mid_copy_keeps_its_version_and_the_next_push_takes_the_next_one(tmp_path):
    first, second = _model(tmp_path / "a", b"a"), _model(tmp_path / "b", b"b")
    serving = tmp_path / "serving"
    copying, release = threading.Event(), threading.Event()

    def held_copy(src: str, dst: str) -> None:
        shutil.copytree(src, dst)
        copying.set()
        assert release.wait(30)

    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(push_version, str(first), str(serving), lambda: SECOND, held_copy)
        assert copying.wait(30)
        assert _visible(serving) == []  # mid-copy: nothing a server could load
        assert push_version(str(second), str(serving), clock=lambda: SECOND) == str(int(SECOND) + 1)
        assert [p.name for p in serving.iterdir() if p.name.endswith(CLAIM_SUFFIX)] == [f".{int(SECOND)}.push"]
        release.set()
        assert held.result() == str(int(SECOND))
    assert model_digest(str(serving / str(int(SECOND)))) == model_digest(str(first))
    assert model_digest(str(serving / str(int(SECOND) + 1))) == model_digest(str(second))


def test_an_existing_version_folder_is_never_overwritten(tmp_path):
    serving = tmp_path / "serving"
    _model(serving / str(int(SECOND)), b"served")
    assert push_version(str(_model(tmp_path / "new", b"new")), str(serving), clock=lambda: SECOND) == \
        str(int(SECOND) + 1)
    assert (serving / str(int(SECOND)) / "fingerprint.pb").read_bytes() == b"fingerprint of served"


def test_a_copy_that_differs_from_the_model_is_not_pushed(tmp_path):
    serving = tmp_path / "serving"

    def corrupting_copy(src: str, dst: str) -> None:
        shutil.copytree(src, dst)
        Path(dst, "fingerprint.pb").write_bytes(b"something else")

    with pytest.raises(PushNotInPlace, match="differs from it; nothing was pushed"):
        push_version(str(_model(tmp_path / "m", b"m")), str(serving), clock=lambda: SECOND, copy=corrupting_copy)
    assert list(serving.iterdir()) == []


def test_a_push_that_dies_mid_copy_leaves_no_version_and_is_swept_only_once_its_process_is_gone(tmp_path):
    serving = tmp_path / "serving"
    model = _model(tmp_path / "m", b"m")
    script = ("import shutil, sys\n"
              "from tfxkit.components.atomic_pusher.versions import push_version\n"
              "def dies(src, dst):\n"
              "    shutil.copytree(src, dst)\n"
              "    import os; os._exit(9)\n"  # what kill -9 looks like: no cleanup runs
              f"push_version({str(model)!r}, {str(serving)!r}, clock=lambda: {SECOND}, copy=dies)\n")
    subprocess.run([sys.executable, "-c", script], check=False, env={**os.environ, "PYTHONPATH": os.getcwd()})
    dead_claim = serving / f".{int(SECOND)}.push"
    assert (dead_claim / "model" / "saved_model.pb").is_file() and _visible(serving) == []

    live_claim = serving / f".{int(SECOND) + 5}.push"  # a push of this (live) process
    live_claim.mkdir()
    (live_claim / "owner.json").write_text(json.dumps({"host": versions.socket.gethostname(), "pid": os.getpid(),
                                                       "started": versions._process_start(os.getpid())}))
    assert push_version(str(model), str(serving), clock=lambda: SECOND) == str(int(SECOND))
    assert not dead_claim.exists() and live_claim.exists()
