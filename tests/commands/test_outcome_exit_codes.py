"""`tfxkit run` picks its exit code and last lines from the outcome's kind (the runner stubbed: no TFX)."""

from __future__ import annotations

import pytest

from tfxkit.cli import main
from tfxkit.runners import run as run_module
from tfxkit.runners.outcome import OutcomeKind, RunReport

SPEC = "pipelines/penguin.yaml"


@pytest.mark.parametrize("report, code, last", [
    (RunReport("r1", OutcomeKind.PUSHED, pushed_to="/serving/2"), 0, "  pushed   /serving/2"),
    (RunReport("r1", OutcomeKind.UNCHANGED, pushed_to="/serving/1"), 0,
     "  pushed   /serving/1  (unchanged: pushed by an earlier run)"),
    (RunReport("r1", OutcomeKind.NOT_BLESSED, not_pushed_reason="model not blessed: accuracy 0.5 < 0.9"), 3,
     "tfxkit: not pushed: model not blessed: accuracy 0.5 < 0.9"),
    (RunReport("r1", OutcomeKind.GATED, failed_node="AnomaliesGate", error="data validation failed"), 1,
     "tfxkit: nothing was pushed"),
    (RunReport("r1", OutcomeKind.FAILED, failed_node="Trainer", error="boom"), 1, "tfxkit: nothing was pushed"),
    (RunReport("r1", OutcomeKind.INTERRUPTED, failed_node="Transform"), 130,
     "tfxkit: interrupted during Transform; finished components are kept in the cache, run the same command "
     "again to resume"),
])
def test_exit_code_by_kind(report, code, last, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(run_module, "run_spec", lambda loaded, **_: report)
    assert main(["run", SPEC, "--root", str(tmp_path)]) == code
    out, err = capsys.readouterr()
    assert (out if code == 0 else err).splitlines()[-1] == last
    if report.kind in (OutcomeKind.GATED, OutcomeKind.FAILED):
        assert f"tfxkit: run failed in {report.failed_node}: {report.error}" in err
