"""What the notify section needs on Kubeflow, one located warning each at compile time (no TFX import): a
variable that no task's env or secrets sets, an outcome the exit handler cannot see that `when` would miss."""

from __future__ import annotations

from tests.config.test_trainer_section import CSV, HEAD
from tfxkit.config.load import load_spec
from tfxkit.deploy.target import resolve_target

CLUSTER = ("kubeflow: {image: i, pipeline_root: 'gs://b/r', data: 'gs://b/data.csv', env: {PLAIN_URL: 'x'}, "
           "secrets: {ALERTS_URL: alerts/url}}\n")


def warnings_of(tmp_path, notify: str) -> list[str]:
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "model: {task: binary}\n" + CLUSTER + notify)
    found: list[str] = []
    resolve_target(load_spec(spec), warn=found.append)
    return [w.split("spec.yaml:", 1)[1] for w in found]


def test_variables_set_by_a_secret_or_env_and_outcomes_that_arrive_need_no_note(tmp_path):
    assert warnings_of(tmp_path, "notify:\n  when: [failed, data_stopped, pushed, succeeded]\n  targets:\n"
                       "    - webhook_env: ALERTS_URL\n    - webhook_env: PLAIN_URL\n    - command: [page]\n") == []


def test_a_variable_no_task_sets_is_named_at_its_key(tmp_path):
    found = warnings_of(tmp_path, "notify:\n  targets:\n    - webhook_env: ALERTS_URL\n"
                        "      headers_env: {Authorization: ALERTS_TOKEN}\n    - webhook_env: OTHER_URL\n")
    assert found == [
        "13:36: notify.targets[0].headers_env.Authorization: $ALERTS_TOKEN is set on no Kubeflow task: that "
        "target will send nothing (expected kubeflow.secrets: {ALERTS_TOKEN: secret-name/key})",
        "14:20: notify.targets[1].webhook_env: $OTHER_URL is set on no Kubeflow task: that target will send "
        "nothing (expected kubeflow.secrets: {OTHER_URL: secret-name/key})"]


def test_an_outcome_that_arrives_as_one_when_does_not_list(tmp_path):
    found = warnings_of(tmp_path, "notify:\n  when: [data_stopped, pushed]\n  targets:\n    - command: [page]\n")
    assert [w.split(": ", 2)[1:] for w in found] == [
        ["notify.when", "data_stopped: on Kubeflow the exit handler sees the run's final state only, so this "
         "outcome arrives as 'failed', which `when` does not list: add it"],
        ["notify.when", "pushed: on Kubeflow the exit handler sees the run's final state only, so this outcome "
         "arrives as 'succeeded', which `when` does not list: add it"]]
