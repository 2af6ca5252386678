"""`tfxkit deploy --schedule`: the cron line checked before anything reaches the network, then the real kfp client
against a KFP API server of the test's own (tests/deploy/kfp_api.py): a recurring run created on the uploaded
version, replaced (never doubled) by the next deploy, removed by `none`; a server's refusal in one line."""

from __future__ import annotations

import pytest

from tests.deploy.kfp_api import API, KfpApiServer
from tfxkit.cli import main
from tfxkit.deploy.schedule import ScheduleError, parse_schedule

CLUSTER = ["--set", "kubeflow.data=baked", "--pipeline-root", "gs://bucket/root", "--image", "registry.example/x:1"]
SPEC = "pipelines/penguin.yaml"


@pytest.mark.parametrize("line, cron", [
    ("0 3 * * *", "0 0 3 * * *"),
    ("  0  3 * * *  ", "0 0 3 * * *"),
    ("*/15 9-17 * * MON-FRI", "0 */15 9-17 * * MON-FRI"),
    ("0 0 3 ? * 1,3,5", "0 0 3 ? * 1,3,5"),  # six fields: KFP's own form, kept
    ("30 2 1 jan,jul *", "0 30 2 1 jan,jul *"),
    ("@daily", "0 0 0 * * *"),
    ("@hourly", "0 0 * * * *"),
    ("none", None),
    ("NONE", None),
])
def test_a_cron_line_becomes_kfp_s_six_fields(line, cron):
    assert parse_schedule(line).cron == cron


@pytest.mark.parametrize("line, message", [
    ("0 25 * * *", "'0 25 * * *': hour 25 is out of range (expected 0-23)"),
    ("61 * * * *", "'61 * * * *': minute 61 is out of range (expected 0-59)"),
    ("0 3 0 * *", "'0 3 0 * *': day of month 0 is out of range (expected 1-31)"),
    ("0 3 * 13 *", "'0 3 * 13 *': month 13 is out of range (expected 1-12)"),
    ("0 3 * * 7", "'0 3 * * 7': day of week 7 is out of range (expected 0-6)"),
    ("0 3 * * FUN", "'0 3 * * FUN': day of week 'FUN' is not a number (expected 0-6 or SUN-SAT)"),
    ("0 3 * *", "'0 3 * *' has 4 fields (expected 5: minute hour day-of-month month day-of-week, as in crontab; "
                "or 'none' to remove the schedule)"),
    ("daily", "'daily' has 1 fields (expected 5: minute hour day-of-month month day-of-week, as in crontab; "
              "or 'none' to remove the schedule)"),
    ("9-5 * * * *", "'9-5 * * * *': minute range '9-5' runs backwards (expected low-high)"),
    ("*/0 * * * *", "'*/0 * * * *': minute '*/0' steps by 0 (expected a step of 1 or more)"),
    ("0 ? * * *", "'0 ? * * *': hour '?' (expected '?' only for the day of month or of week)"),
    ("0 3 * * 1;2", "'0 3 * * 1;2': day of week '1;2' is not a cron field (expected *, a number, a range a-b, a step "
                    "*/n or a list of them)"),
])
def test_a_bad_cron_line_is_one_line_naming_the_field(line, message):
    with pytest.raises(ScheduleError) as error:
        parse_schedule(line)
    assert str(error.value) == message


def deploy(capsys, host: str, *args: str) -> tuple[int, str, str]:
    code = main(["deploy", SPEC, "--host", host, *args, *CLUSTER])
    out = capsys.readouterr()
    return code, out.out, out.err


def schedules(kfp: KfpApiServer) -> list[dict]:
    return list(kfp.state.recurring_runs.values())


def test_deploy_creates_replaces_and_removes_the_pipeline_s_recurring_run(capsys):
    with KfpApiServer() as kfp:
        code, out, err = deploy(capsys, kfp.host, "--schedule", "0 3 * * *", "--version", "v1")
        assert code == 0, err
        [run] = schedules(kfp)
        [v1] = [v for v in kfp.state.versions.values() if v["display_name"] == "v1"]
        assert run["display_name"] == "penguin schedule" and run["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
        assert run["pipeline_version_reference"] == {"pipeline_id": v1["pipeline_id"],
                                                     "pipeline_version_id": v1["pipeline_version_id"]}
        assert run["mode"] == "ENABLE" and run["max_concurrency"] == 1 and run["no_catchup"] is True
        [experiment] = kfp.state.experiments.values()
        assert experiment["display_name"] == "Default" and run["experiment_id"] == experiment["experiment_id"]
        assert f"schedule 'penguin schedule' ({run['recurring_run_id']}) runs at '0 0 3 * * *'" in out

        # The next deploy moves the schedule to its version and time: one recurring run, never two.
        code, out, err = deploy(capsys, kfp.host, "--schedule", "@hourly", "--version", "v2")
        assert code == 0, err
        [moved] = schedules(kfp)
        [v2] = [v for v in kfp.state.versions.values() if v["display_name"] == "v2"]
        assert moved["recurring_run_id"] != run["recurring_run_id"]
        assert moved["trigger"]["cron_schedule"]["cron"] == "0 0 * * * *"
        assert moved["pipeline_version_reference"]["pipeline_version_id"] == v2["pipeline_version_id"]
        assert out.splitlines()[-1].endswith("replacing 1")
        assert len(kfp.state.experiments) == 1 and len(kfp.state.pipelines) == 1

        # A deploy without --schedule leaves it alone; `none` removes it.
        assert deploy(capsys, kfp.host, "--version", "v3")[0] == 0
        assert [r["recurring_run_id"] for r in schedules(kfp)] == [moved["recurring_run_id"]]
        code, out, err = deploy(capsys, kfp.host, "--schedule", "none", "--version", "v4")
        assert code == 0, err
        assert out.splitlines()[-1] == "schedule 'penguin schedule' removed (1)"
        assert schedules(kfp) == []


def test_a_bad_schedule_is_refused_before_any_request(capsys):
    with KfpApiServer() as kfp:
        code, out, err = deploy(capsys, kfp.host, "--schedule", "0 3 * * 9")
        assert code == 2
        assert err.strip() == "tfxkit: --schedule '0 3 * * 9': day of week 9 is out of range (expected 0-6)"
        assert kfp.state.requests == []


def test_a_server_that_refuses_the_schedule_is_one_line(capsys):
    with KfpApiServer() as kfp:
        kfp.state.refuse[("POST", f"{API}/recurringruns")] = (400, "Invalid input error: cron\nnot supported")
        code, out, err = deploy(capsys, kfp.host, "--schedule", "0 3 * * *")
        assert code == 1
        assert err.strip() == (f"tfxkit: Kubeflow Pipelines at {kfp.host} refused: 400 Bad Request: "
                               "Invalid input error: cron not supported")
        assert schedules(kfp) == []
