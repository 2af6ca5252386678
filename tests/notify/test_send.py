"""tfxkit.notify: the facts reach a real HTTP endpoint and a real command; a target that fails or hangs is one
warning and never holds the caller past the timeout; an outcome nobody asked for is sent nowhere."""

from __future__ import annotations

import json
import sys
import time

import pytest

from tests.notify.webhook import Webhook
from tfxkit.config.sections.notify import NotifySection
from tfxkit.notify.send import Facts, notify

FACTS = Facts("penguin", "20261204-1200-abcd", "pushed", "", {"accuracy": 0.97}, "/r/report.html", "/r/serving/7")


def section(*targets: dict, when=("pushed", "failed"), timeout: float = 5.0) -> NotifySection:
    return NotifySection.model_validate({"when": list(when), "timeout": timeout, "targets": list(targets)})


def test_a_webhook_receives_the_facts_as_json_with_headers_from_the_environment(monkeypatch):
    monkeypatch.setenv("ALERTS_TOKEN", "Bearer s3cret")
    with Webhook() as hook:
        warnings: list[str] = []
        notify(section({"webhook": hook.url, "headers_env": {"Authorization": "ALERTS_TOKEN"}}), FACTS,
               warnings.append)
    assert warnings == []
    [(path, headers, body)] = hook.received
    assert path == "/hook" and headers["Authorization"] == "Bearer s3cret"
    assert body == {"pipeline": "penguin", "run_id": "20261204-1200-abcd", "outcome": "pushed", "reason": "",
                    "metrics": {"accuracy": 0.97}, "report": "/r/report.html", "pushed_to": "/r/serving/7"}


def test_a_webhook_url_from_the_environment(monkeypatch):
    with Webhook() as hook:
        monkeypatch.setenv("SLACK_URL", hook.url)
        assert notify(section({"webhook_env": "SLACK_URL"}), FACTS, print) == []
    assert len(hook.received) == 1


def test_a_command_gets_the_facts_in_its_environment(tmp_path):
    out = tmp_path / "facts.json"
    script = ("import json, os, sys; json.dump({k: v for k, v in os.environ.items() if k.startswith('TFXKIT_')}, "
              "open(sys.argv[1], 'w'))")
    assert notify(section({"command": [sys.executable, "-c", script, str(out)]}), FACTS, print) == []
    seen = json.loads(out.read_text())
    assert seen["TFXKIT_OUTCOME"] == "pushed" and seen["TFXKIT_RUN_ID"] == FACTS.run_id
    assert json.loads(seen["TFXKIT_METRICS"]) == {"accuracy": 0.97} and seen["TFXKIT_PUSHED_TO"] == "/r/serving/7"


def test_an_outcome_nobody_asked_for_is_sent_nowhere():
    with Webhook() as hook:
        notify(section({"webhook": hook.url}, when=("failed",)), FACTS, print)
    assert hook.received == []


@pytest.mark.parametrize("target, expected", [
    ({"command": [sys.executable, "-c", "import sys; print('no disk', file=sys.stderr); sys.exit(4)"]},
     f"notification to command {sys.executable} failed: exited 4: no disk"),
    ({"command": ["/nonexistent/notifier"]}, "notification to command /nonexistent/notifier failed: No such file "
                                             "or directory"),
    ({"webhook": "http://127.0.0.1:9/hook"}, "notification to webhook http://127.0.0.1:9/hook failed: "),
    ({"webhook_env": "TFXKIT_TEST_UNSET_URL"}, "notification to webhook $TFXKIT_TEST_UNSET_URL failed: "
                                               "$TFXKIT_TEST_UNSET_URL is not set"),
])
def test_a_failing_target_is_one_warning(target, expected):
    warnings: list[str] = []
    assert notify(section(target), FACTS, warnings.append) == warnings
    [line] = warnings
    assert line.startswith(expected) and "\n" not in line


def test_a_failing_webhook_answer_is_one_warning_and_the_other_targets_still_hear():
    with Webhook(status=500) as broken, Webhook() as good:
        warnings = notify(section({"webhook": broken.url}, {"webhook": good.url}), FACTS, lambda line: None)
    assert warnings == [f"notification to webhook {broken.url} failed: answered 500 Internal Server Error"]
    assert len(good.received) == 1


def test_targets_that_hang_hold_the_caller_no_longer_than_the_timeout():
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    with Webhook(hang=True) as stuck, Webhook() as good:
        started = time.monotonic()
        warnings = notify(section({"webhook": stuck.url}, {"command": hang}, {"webhook": good.url}, timeout=1.0),
                          FACTS, lambda line: None)
        waited = time.monotonic() - started
    assert waited < 5  # a hang would hold it 60 s; the timeout is 1 s for all targets together
    assert sorted(w.split(" failed: ")[0] for w in warnings) == [
        f"notification to command {sys.executable}", f"notification to webhook {stuck.url}"]
    assert len(good.received) == 1 and len(stuck.received) == 1
