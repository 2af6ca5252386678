"""The order `make test` (pytest -n 2 --dist loadfile) hands test files to its two workers: the longest first.

xdist's loadfile scheduler hands out whole files in order of their number of tests, so the e2e modules, a
few tests of minutes each, went last, and the suite ended with one worker running a 5-minute module while
the other sat idle. Here the files go out by their expected cost (E2E_MINUTES), longest first (the longest-
processing-time rule), and the fast files, seconds each, fill in at the end, so the two workers finish close
together. A worker gets its next unit only once it is down to its last test (xdist's default: three), and
while that test is an e2e one, a fast file rather than the next long module (unit_to_hand_out), so that no
long module waits behind another on a busy worker. The files that share a costly session fixture
(tests/e2e/conftest.py) go to one worker as one unit (SHARED_RUN), since a session fixture runs once per
worker: on two workers the run would happen twice.

Nothing here changes what runs or how: every test still runs once, each module's tests together, in file order.
tests/test_xdist_schedule.py fails when an e2e module is missing from E2E_MINUTES or a name in it is stale.
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

# Minutes per e2e module on CI's two cores (setup + calls): the summary line of a whole `make test` run (2026-12-06,
# 20.2 min, with the Trainer's own reading of Transform's examples and gzip level 1). Only the order matters;
# a module whose cost changes a lot should move here (it is then still run, only handed out at another time).
E2E_MINUTES = {
    "tests/e2e/test_bench_smoke.py": 5.9,
    "tests/e2e/test_digits_pipeline.py": 3.3,
    "tests/e2e/test_kubeflow_spans.py": 2.8,
    "tests/e2e/test_devices.py": 2.6,
    "tests/e2e/test_span_lifecycle.py": 1.8,
    "tests/e2e/test_portable_runner.py": 1.8,
    "tests/e2e/test_bad_data.py": 1.7,
    "tests/e2e/test_kubeflow_smoke.py": 1.4,
    "tests/e2e/test_lineage.py": 1.3,
    "tests/e2e/test_killed_run.py": 1.3,
    "tests/e2e/test_rollback.py": 1.1,
    "tests/e2e/test_lineage_servers.py": 1.1,
    "tests/e2e/test_penguin_pipeline.py": 0.8,
    "tests/e2e/test_beam_runner.py": 0.8,
    "tests/e2e/test_imdb_and_diabetes.py": 0.7,
    "tests/e2e/test_spans.py": 0.7,
    "tests/e2e/test_custom_components.py": 0.7,
    "tests/e2e/test_watch.py": 0.7,
    "tests/e2e/test_tuned_pipeline.py": 0.6,
    "tests/e2e/test_schema_update.py": 0.5,
    "tests/e2e/test_warm_start.py": 0.4,
    "tests/e2e/test_concurrent_runs.py": 0.4,
    "tests/e2e/test_init_project.py": 0.3,
    "tests/e2e/test_report.py": 0.3,
    "tests/e2e/test_kubeflow_image.py": 0,
}

# Modules reading the same costly session run (tests/e2e/conftest.py's penguin_tuned_run, minutes): one unit, one
# worker, one run. (penguin_first_run is read by most e2e modules: both workers make it, as they would anyway.)
SHARED_RUN = {
    "tests/e2e/test_devices.py": "penguin_tuned_run",
    "tests/e2e/test_report.py": "penguin_tuned_run",
    "tests/e2e/test_tuned_pipeline.py": "penguin_tuned_run",
}


def unit_of(nodeid: str) -> str:
    """The work unit a test belongs to: its file, or the shared run its file reads with others."""
    path = nodeid.split("::", 1)[0]
    return SHARED_RUN.get(path, path)


def hand_out_order(nodeids: list[str]) -> list[str]:
    """The collection reordered unit by unit: the costliest unit first (a shared run's unit costs its modules'
    sum), then fast files by their number of tests (xdist's own order); within a unit, the collection's order."""
    minutes: dict[str, float] = {}
    tests: dict[str, int] = {}
    for path in dict.fromkeys(nodeid.split("::", 1)[0] for nodeid in nodeids):
        unit = SHARED_RUN.get(path, path)
        minutes[unit] = minutes.get(unit, 0) + E2E_MINUTES.get(path, 0)
    for nodeid in nodeids:
        tests[unit_of(nodeid)] = tests.get(unit_of(nodeid), 0) + 1
    return sorted(nodeids, key=lambda nodeid: (-minutes[unit_of(nodeid)], -tests[unit_of(nodeid)]))


def unit_to_hand_out(queue: list[str], pending: list[str]) -> str:
    """The unit a worker gets when it has one test left (an xdist worker starts a test only once it knows the
    next one): the first in the queue (the longest left), unless that one test is an e2e test, minutes long, and
    a fast unit is still queued; then the last unit (the fast one with fewest tests), so no long unit waits
    behind that test while the other worker may run out of work. The long unit goes out a moment later, when
    the e2e test is done and the fast unit is this worker's last."""
    if pending and pending[-1].split("::", 1)[0] in E2E_MINUTES and not _is_e2e(queue[-1]):
        return queue[-1]
    return queue[0]


def _is_e2e(unit: str) -> bool:
    return unit in E2E_MINUTES or unit in SHARED_RUN.values()


class LongestFirstScheduling(LoadFileScheduling):
    """xdist's loadfile scheduling, its units handed out longest first (hand_out_order) instead of by test count,
    one when a worker is down to its last test (unit_to_hand_out)."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)

    def _reschedule(self, node) -> None:
        """LoadScopeScheduling._reschedule, a unit handed out when the worker has one test left (not three), the
        one unit_to_hand_out chooses; the worker is stopped once nothing is left to hand out, as there."""
        while not node.shutting_down:
            if not self.workqueue:
                node.shutdown()
                return
            pending = [nodeid for unit in self.assigned_work[node].values()
                       for nodeid, done in unit.items() if not done]
            if len(pending) > 1:
                return
            self.workqueue.move_to_end(unit_to_hand_out(list(self.workqueue), pending), last=False)
            self._assign_work_unit(node)

    def schedule(self) -> None:
        """LoadScopeScheduling.schedule with the work queue in hand_out_order (the workers' collections are left as
        they are: a worker is told which tests to run by their index in its own collection)."""
        assert self.collection_is_completed
        if self.collection is not None:  # the first distribution happened: more work for whoever needs it
            for node in self.nodes:
                self._reschedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = list(next(iter(self.registered_collections.values())))
        if not self.collection:
            return
        for nodeid in hand_out_order(self.collection):
            self.workqueue.setdefault(self._split_scope(nodeid), {})[nodeid] = False
        for _ in range(len(self.nodes) - len(self.workqueue)):  # more workers than units: stop the spare ones
            unused_node, _assigned = self.assigned_work.popitem()
            unused_node.shutdown()
        for node in self.nodes:
            self._assign_work_unit(node)
        for node in self.nodes:  # each starts with two tests at least, where there are enough (xdist #277)
            self._reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()


def minutes_lines(reports) -> list[str]:
    """The summary lines `make test` ends with before its skip line: each worker's minutes of tests (how close
    together they finished) and each e2e module's, setup to teardown (the figures E2E_MINUTES is kept from)."""
    modules: dict[str, float] = {}
    workers: dict[str, float] = {}
    for report in reports:
        if not getattr(report, "when", None):  # a collection report, a warning
            continue
        path = report.nodeid.split("::", 1)[0]
        if path in E2E_MINUTES:
            modules[path] = modules.get(path, 0.0) + report.duration / 60
        gateway = getattr(getattr(report, "node", None), "gateway", None)  # set on xdist's controller
        if gateway is not None:
            workers[gateway.id] = workers.get(gateway.id, 0.0) + report.duration / 60
    lines = []
    if workers:
        lines.append("tfxkit: minutes of tests per worker: "
                     + ", ".join(f"{worker} {minutes:.1f}" for worker, minutes in sorted(workers.items())))
    if modules:
        lines.append("tfxkit: minutes per e2e module (tests/xdist_schedule.py E2E_MINUTES): " + ", ".join(
            f"{path.removeprefix('tests/e2e/')} {minutes:.1f}"
            for path, minutes in sorted(modules.items(), key=lambda item: -item[1])))
    return lines
