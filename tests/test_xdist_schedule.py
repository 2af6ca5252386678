"""`make test` hands its files to the two xdist workers longest first (tests/xdist_schedule.py): the cost table
names every e2e module and no other, the modules sharing a session run go to one worker, and the order keeps
each file's tests together in the file's order."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.xdist_schedule import E2E_MINUTES, SHARED_RUN, hand_out_order, minutes_lines, unit_of, unit_to_hand_out

E2E = REPO_ROOT / "tests" / "e2e"


def test_every_e2e_module_has_a_cost_and_every_cost_a_module():
    modules = {f"tests/e2e/{p.name}" for p in E2E.glob("test_*.py")}
    assert set(E2E_MINUTES) == modules, {"no cost": modules - set(E2E_MINUTES), "no module": set(E2E_MINUTES) - modules}


def test_the_modules_of_a_shared_run_read_it_and_every_reader_is_among_them():
    for path, fixture in SHARED_RUN.items():
        assert fixture in (REPO_ROOT / path).read_text(encoding="utf-8"), (path, fixture)
    for fixture in set(SHARED_RUN.values()):
        readers = {f"tests/e2e/{p.name}" for p in E2E.glob("test_*.py") if fixture in p.read_text(encoding="utf-8")}
        assert readers == {path for path, name in SHARED_RUN.items() if name == fixture}, fixture


def test_units_go_out_costliest_first_each_in_one_piece_in_file_order():
    collection = [f"tests/config/test_a.py::test_{i}" for i in range(3)]  # a fast file: after every e2e unit
    collection += [f"tests/config/test_b.py::test_{i}" for i in range(5)]  # more tests: before test_a.py
    for path in ("tests/e2e/test_devices.py", "tests/e2e/test_kubeflow_smoke.py", "tests/e2e/test_report.py",
                 "tests/e2e/test_watch.py", "tests/e2e/test_bench_smoke.py", "tests/e2e/test_tuned_pipeline.py"):
        collection += [f"{path}::test_{i}" for i in range(2)]
    order = hand_out_order(collection)
    assert sorted(order) == sorted(collection)
    units = list(dict.fromkeys(unit_of(nodeid) for nodeid in order))
    assert units == ["tests/e2e/test_bench_smoke.py", "penguin_tuned_run", "tests/e2e/test_kubeflow_smoke.py",
                     "tests/e2e/test_watch.py", "tests/config/test_b.py", "tests/config/test_a.py"]
    for unit in units:  # one piece each, in the collection's order
        mine = [nodeid for nodeid in collection if unit_of(nodeid) == unit]
        start = order.index(mine[0])
        assert order[start:start + len(mine)] == mine, unit


def test_a_worker_down_to_an_e2e_test_gets_the_fastest_file_else_the_longest_unit():
    queue = ["penguin_tuned_run", "tests/e2e/test_watch.py", "tests/config/test_b.py", "tests/config/test_a.py"]
    assert unit_to_hand_out(queue, ["tests/e2e/test_killed_run.py::test_x"]) == "tests/config/test_a.py"
    assert unit_to_hand_out(queue, ["tests/e2e/test_devices.py::test_x"]) == "tests/config/test_a.py"
    assert unit_to_hand_out(queue, ["tests/config/test_c.py::test_y"]) == "penguin_tuned_run"
    assert unit_to_hand_out(queue, []) == "penguin_tuned_run"
    assert unit_to_hand_out(queue[:2], ["tests/e2e/test_killed_run.py::test_x"]) == "penguin_tuned_run"  # no fast one


def test_each_e2e_modules_minutes_are_summed_over_its_tests_and_phases():
    def report(nodeid: str, when: str, seconds: float) -> pytest.TestReport:
        return pytest.TestReport(nodeid, ("", 0, ""), {}, "passed", None, when, [], duration=seconds)

    reports = [report("tests/e2e/test_watch.py::test_a", "setup", 90),
               report("tests/e2e/test_watch.py::test_a", "call", 30),
               report("tests/e2e/test_spans.py::test_b", "call", 60),
               report("tests/config/test_x.py::test_c", "call", 600)]  # a fast file: only in its worker's minutes
    assert minutes_lines(reports) == [
        "tfxkit: minutes per e2e module (tests/xdist_schedule.py E2E_MINUTES): test_watch.py 2.0, test_spans.py 1.0"]


def test_xdist_runs_make_tests_loadfile_through_the_longest_first_scheduler():
    """The hook in tests/conftest.py is what `pytest -n 2 --dist loadfile` uses (this file's other tests, run so)."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "-v", "-p",
                           "no:cacheprovider", "tests/test_xdist_schedule.py", "-k", "not xdist_runs"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "scheduling tests via LongestFirstScheduling" in proc.stdout, proc.stdout[-3000:]
    assert "5 passed" in proc.stdout, proc.stdout[-3000:]
    # a worker that ran none of the five is not listed: which one ran them is xdist's choice
    assert re.search(r"tfxkit: minutes of tests per worker: gw\d \d", proc.stdout), proc.stdout[-3000:]
