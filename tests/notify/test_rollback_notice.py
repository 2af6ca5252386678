"""`tfxkit rollback FILE`: the spec's notify targets that asked for `rolled_back` hear of it, with the reason and
the new version; a spec that no longer loads is a warning, and the rollback stands."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT, run_cli
from tests.mlmd_store import penguin_history
from tests.notify.webhook import Webhook


def spec_with_notify(tmp_path: Path, history, notify: str) -> Path:
    text = (REPO_ROOT / "pipelines/penguin.yaml").read_text(encoding="utf-8")
    text = text.replace("../runs/penguin", str(history.pipeline.root))
    text = text.replace("../data/penguins/penguins.csv", str(history.pipeline.data_file))
    text = text.replace("../schemas/penguin.pbtxt", str(REPO_ROOT / "schemas/penguin.pbtxt"))
    spec = tmp_path / "penguin.yaml"
    spec.write_text(text + notify, encoding="utf-8")
    return spec


def test_a_rollback_is_notified_with_its_reason_and_version(tmp_path):
    history = penguin_history(tmp_path / "store")
    with Webhook() as hook:
        spec = spec_with_notify(tmp_path, history, f"notify:\n  when: [rolled_back]\n  targets:\n"
                                                   f"    - webhook: {hook.url}\n")
        result = run_cli("rollback", str(spec), "--reason", "canary errors")
    assert result.code == 0, result.stderr
    [(_, _, body)] = hook.received
    assert body["outcome"] == "rolled_back" and body["reason"] == "canary errors" and body["pipeline"] == "penguin"
    assert body["run_id"] in result.stdout and Path(body["pushed_to"]).parent == Path(history.second.pushed_to).parent
    assert int(Path(body["pushed_to"]).name) > int(Path(history.second.pushed_to).name)


def test_a_dry_run_and_an_outcome_not_asked_for_notify_nobody(tmp_path):
    history = penguin_history(tmp_path / "store")
    with Webhook() as hook:
        spec = spec_with_notify(tmp_path, history, f"notify:\n  when: [failed]\n  targets:\n"
                                                   f"    - webhook: {hook.url}\n")
        assert run_cli("rollback", str(spec), "--reason", "why", "--dry-run").code == 0
        assert run_cli("rollback", str(spec), "--reason", "why").code == 0
    assert hook.received == []


def test_a_spec_that_no_longer_loads_is_a_warning_and_the_rollback_stands(tmp_path):
    history = penguin_history(tmp_path / "store")
    spec = spec_with_notify(tmp_path, history, "notify:\n  when: [rolled_back]\n  targets:\n    - {}\n")
    result = run_cli("rollback", str(spec), "--reason", "why")
    assert result.code == 0, result.stderr
    assert result.stderr.strip() == ("tfxkit: warning: the spec does not load (tfxkit validate says why): nobody "
                                     "was notified of the rollback")
    assert "rolled back" in run_cli("runs", str(spec)).stdout
