"""The `tfxkit` command ends without Python's teardown, but with everything that teardown would do that matters.

Each case runs `tfxkit.cli.entry` in a fresh interpreter, as the console script and `python -m tfxkit` do,
with an exit handler, a non-daemon thread that is still working and output still in stdout's buffer.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PROBE = """
import atexit, sys, threading
from concurrent.futures import ThreadPoolExecutor
out = sys.argv[1]
sys.argv = ["tfxkit", *sys.argv[2:]]
atexit.register(lambda: open(out + ".atexit", "w").write("ran"))
started = threading.Event()
def late_writer():
    started.set()
    threading.Event().wait(0.5)  # still running when the command returns
    open(out + ".thread", "w").write("done")
threading.Thread(target=late_writer).start()
started.wait()
ThreadPoolExecutor(max_workers=1).submit(print, "from a pool")  # an idle worker left behind
print("buffered, not flushed")
from tfxkit.cli import entry
entry()
"""


@pytest.mark.parametrize("args, code", [
    (["validate", "pipelines/penguin.yaml"], 0),
    (["validate", "no/such/spec.yaml"], 2),
])
def test_entry_runs_exit_handlers_joins_threads_and_flushes(tmp_path, args, code):
    out = tmp_path / "probe"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == code, done.stderr
    assert "buffered, not flushed" in done.stdout and "from a pool" in done.stdout
    assert (out.parent / "probe.atexit").read_text() == "ran"
    assert (out.parent / "probe.thread").read_text() == "done"
    if code:
        assert "tfxkit: " in done.stderr




def test_the_console_script_is_entry():
    from importlib.metadata import entry_points

    assert [ep.value for ep in entry_points(group="console_scripts", name="tfxkit")] == ["tfxkit.cli:entry"]
