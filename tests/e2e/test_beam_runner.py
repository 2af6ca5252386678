"""End to end: `tfxkit run --runner beam` (BeamDagRunner, DirectRunner worker processes) on the penguin pipeline.

Compared with the shared local run (`penguin_first_run`): the same components
complete, the model is as accurate (the split is hash-based and the training
seeded, so only float noise differs) and is pushed, and the console shows each
component's progress, as under the local runner. And that Beam ran it, not the
local runner: MLMD records the run under the beam runner, and Beam's DirectRunner
worker processes (`apache_beam.runners.worker.sdk_worker_main`, which the local
runner's in-process DirectRunner never starts) were seen under the run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import printed_metric, recorded_run, run_cli_watching
from tfxkit.config.metadata_url import MetadataUrl
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.runs import latest_run_id, node_runs
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e

BEAM_COMPONENTS = ("CsvExampleGen", "StatisticsGen", "Transform", "Evaluator")
WORKER = "apache_beam.runners.worker.sdk_worker_main"


@pytest.fixture(scope="module")
def beam_run(tmp_path_factory):
    """(root, result, {pid: command line} of the run's descendant processes seen while it ran)."""
    root = tmp_path_factory.mktemp("penguin-beam")
    result, processes = run_cli_watching("run", "pipelines/penguin.yaml", "--runner", "beam", "--root", str(root),
                                         timeout=3600)
    return root, result, processes


def test_beam_runner_pushes_a_model_as_accurate_as_the_local_one(beam_run, penguin_first_run):
    root, result, _ = beam_run
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    local = penguin_first_run[1]
    assert local.code == 0, local.stderr[-3000:]
    assert printed_metric(result, "accuracy") == pytest.approx(printed_metric(local, "accuracy"), abs=0.03)
    assert "  pushed   " in result.stdout

    store = Store(connection_config(MetadataUrl("sqlite", path=str(Path(root) / "metadata.sqlite"))))
    run_id = latest_run_id(store, "penguin")
    nodes = node_runs(store, "penguin", run_id)
    assert all(nodes[name].state == "COMPLETE" for name in (*BEAM_COMPONENTS, "Trainer", "Pusher"))


def test_beam_runner_shows_each_components_progress(beam_run):
    _, result, _ = beam_run
    lines = result.stdout.splitlines()
    for name in (*BEAM_COMPONENTS, "Trainer", "Pusher"):
        assert f"▶ {name}" in lines, f"no start line for {name}:\n{result.stdout}"
        assert any(re.match(rf"✓ {name}\s+[0-9.]+ s$", line) for line in lines), f"no end line for {name}"


def test_beam_runner_ran_the_components_in_beam_worker_processes(beam_run):
    root, result, processes = beam_run
    assert result.code == 0, result.stderr[-3000:]
    # What MLMD says ran the run (the audit's `runs` reads it): a run that fell back to local records "local".
    assert recorded_run(root, "penguin")["runner"] == "beam"
    # DirectRunner in multi_processing mode starts its SDK workers afresh for each Beam pipeline (one per core,
    # --direct_num_workers=0), each alive for a minute or more: at least one per component that runs Beam.
    # The local runner's in-process DirectRunner starts none.
    workers = [cmd for cmd in processes.values() if WORKER in cmd]
    assert len(workers) >= len(BEAM_COMPONENTS), (len(workers), sorted(set(processes.values()))[:20])
