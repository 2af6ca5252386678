"""The `notify` section: a secret never sits in the spec, one kind per target, known outcomes; located lines."""

from __future__ import annotations

import pytest

from tests.config.test_trainer_section import CSV, HEAD, first_error
from tfxkit.config.load import load_spec

MODEL = "model: {task: binary}\n"


SECRET = ("the spec is recorded and shown by audits: put the URL in an environment variable and name it "
          "(webhook_env: NAME)")
NOT_A_NAME = "is not an environment variable name (expected letters, digits and _; the variable holds the secret, " \
             "never the spec)"
TARGET = "notify:\n  targets:\n    - "


@pytest.mark.parametrize("body, expected", [
    (TARGET + "webhook: https://hooks.slack.com/services/T0/B0/xyz\n",
     f"11:16: notify.targets[0].webhook: the URL carries a secret (hooks.slack.com's secret path); {SECRET}"),
    (TARGET + "webhook: https://alerts.example.com/hook?token=abc\n",
     f"11:16: notify.targets[0].webhook: the URL carries a secret (the query parameter 'token'); {SECRET}"),
    (TARGET + "webhook: https://bob:pw@alerts.example.com/hook\n",
     f"11:16: notify.targets[0].webhook: the URL carries a secret (a password); {SECRET}"),
    (TARGET + "webhook: alerts.example.com/hook\n",
     "11:16: notify.targets[0].webhook: 'alerts.example.com/hook' is not an http(s) URL"),
    (TARGET + "webhook_env: slack url\n", f"11:20: notify.targets[0].webhook_env: 'slack url' {NOT_A_NAME}"),
    (TARGET + "webhook: https://alerts.example.com/hook\n      headers_env: {Authorization: 'Bearer abc'}\n",
     f"12:20: notify.targets[0].headers_env: 'Bearer abc' {NOT_A_NAME}"),
    (TARGET + "{webhook: 'https://a.example/h', command: [echo]}\n",
     "11:7: notify.targets[0]: give one of webhook, webhook_env or command (got webhook, command)"),
    (TARGET + "{}\n", "11:7: notify.targets[0]: give one of webhook, webhook_env or command (got none)"),
    ("notify:\n  when: [pushd]\n  targets:\n    - command: [echo]\n",
     "10:10: notify.when[0]: 'pushd' is not allowed (did you mean 'pushed'?)"),
    ("notify:\n  timeout: 0\n  targets:\n    - command: [echo]\n",
     "10:12: notify.timeout: 0 is too small (expected > 0.0)"),
    ("notify:\n  targets: []\n", "10:12: notify.targets: too few items (expected at least 1)"),
    (TARGET + "command: []\n", "11:16: notify.targets[0].command: too few items (expected at least 1)"),
])
def test_bad_notify_setting(tmp_path, body, expected):
    assert first_error(tmp_path, MODEL + body) == expected


def test_a_webhook_without_a_secret_and_names_of_variables_load(tmp_path):
    (tmp_path / "data.csv").write_text(CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + MODEL + "notify:\n  when: [pushed, rolled_back]\n  targets:\n"
                    "    - webhook: https://alerts.example.com/tfx?channel=ml\n      headers_env: {Authorization: TOK}\n"
                    "    - webhook_env: SLACK_URL\n    - command: [notify-send, tfxkit]\n")
    notify = load_spec(spec).spec.notify
    assert notify.when == ["pushed", "rolled_back"] and notify.timeout == 10.0 and len(notify.targets) == 3
