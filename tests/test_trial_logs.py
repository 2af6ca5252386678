"""Where the tuner's trials write TensorBoard logs: into the Tuner's tuner_results output (kept), never astray."""

from __future__ import annotations

import os

from tfxkit.modules import TRIAL_LOGS
from tfxkit.modules.tuning import trial_log_dir


def test_trial_logs_go_into_the_executions_tuner_results(tmp_path):
    results = tmp_path / "Tuner" / "tuner_results" / "7"
    results.mkdir(parents=True)
    temp = tmp_path / "Tuner" / ".system" / "executor_execution" / "7" / ".temp" / "7"
    assert trial_log_dir(str(temp) + os.sep) == str(results / TRIAL_LOGS)


def test_an_unknown_layout_keeps_the_logs_in_the_working_folder(tmp_path):
    assert trial_log_dir(str(tmp_path / "work")) == str(tmp_path / "work" / TRIAL_LOGS)
    temp = tmp_path / "Tuner" / ".system" / "executor_execution" / "8" / ".temp" / "8"  # no tuner_results/8
    assert trial_log_dir(str(temp)) == str(temp / TRIAL_LOGS)
