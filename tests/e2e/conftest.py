"""Pipeline runs shared between e2e modules (each real run costs minutes on two cores)."""

from __future__ import annotations

import pytest

from tests.conftest import CliResult, run_cli


@pytest.fixture(scope="session")
def penguin_first_run(tmp_path_factory) -> tuple:
    """(root, result) of `tfxkit run pipelines/penguin.yaml` into a fresh root: the local reference run.

    Modules that go on to change that root (tests/e2e/test_penguin_pipeline.py) read only their own later
    runs; others read this run's printed result, never the root's "latest" artifacts.
    """
    root = tmp_path_factory.mktemp("penguin")
    result: CliResult = run_cli("run", "pipelines/penguin.yaml", "--root", str(root))
    return root, result


def printed_metric(result: CliResult, name: str) -> float:
    """A metric from the run's summary lines (`  metric accuracy = 0.9881`)."""
    return float(result.stdout.split(f"metric {name} = ")[1].split()[0])


@pytest.fixture(scope="session")
def penguin_tuned_run(tmp_path_factory) -> tuple:
    """(root, result) of `tfxkit run pipelines/penguin_tuned.yaml` into a fresh root: one tuned run shared
    by the tuning and report tests."""
    root = tmp_path_factory.mktemp("penguin_tuned")
    result: CliResult = run_cli("run", "pipelines/penguin_tuned.yaml", "--root", str(root))
    return root, result


def printed_path(result: CliResult, label: str) -> str:
    """A path from the run's summary lines (`  report   /root/reports/run-....html`)."""
    return result.stdout.split(f"  {label:<8} ")[1].split("\n")[0].strip()
