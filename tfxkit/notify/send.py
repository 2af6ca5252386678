"""Send a run's outcome to the spec's `notify` targets: every target at once, none longer than the timeout.

A notification is a courtesy, not part of the run: a target that is down,
answers an error or hangs costs one warning line, never the run's exit status,
and the run waits at most `notify.timeout` seconds for all of them together
(each target runs in a daemon thread; a command that outlives the timeout is
killed). Only the standard library: `tfxkit rollback` notifies too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Optional

from tfxkit.config.sections.notify import NotifySection, NotifyTarget


@dataclass(frozen=True)
class Facts:
    """What a notification says: the JSON body of a webhook, TFXKIT_* variables of a command."""

    pipeline: str
    run_id: str
    outcome: str  # a notify event: failed, data_stopped, not_blessed, pushed, rolled_back, interrupted
    reason: str = ""  # one line: why (the error's first line, the gate's finding, the rollback's reason)
    metrics: dict[str, float] = field(default_factory=dict)
    report: Optional[str] = None  # the run report's path
    pushed_to: Optional[str] = None

    def environment(self) -> dict[str, str]:
        return {f"TFXKIT_{k.upper()}": json.dumps(v) if isinstance(v, dict) else ("" if v is None else str(v))
                for k, v in asdict(self).items()}


def describe(target: NotifyTarget) -> str:
    """A target as a warning names it: never a secret (the variable's name, the URL without its query)."""
    if target.command is not None:
        return f"command {target.command[0]}"
    if target.webhook_env is not None:
        return f"webhook ${target.webhook_env}"
    return f"webhook {target.webhook.split('?')[0]}"


def _post(target: NotifyTarget, facts: Facts, timeout: float) -> None:
    url = target.webhook if target.webhook is not None else os.environ.get(target.webhook_env or "")
    if not url:
        raise RuntimeError(f"${target.webhook_env} is not set")
    headers = {"Content-Type": "application/json", "User-Agent": "tfxkit"}
    for header, variable in target.headers_env.items():
        if variable not in os.environ:
            raise RuntimeError(f"${variable} (header {header}) is not set")
        headers[header] = os.environ[variable]
    request = urllib.request.Request(url, data=json.dumps(asdict(facts)).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise RuntimeError(str(error.reason)) from None


def _run(target: NotifyTarget, facts: Facts, timeout: float) -> None:
    try:
        done = subprocess.run(target.command, env={**os.environ, **facts.environment()}, timeout=timeout,
                              capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"still running after {timeout:g} s: stopped") from None
    except OSError as error:
        raise RuntimeError(error.strerror or str(error)) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        raise RuntimeError(f"exited {done.returncode}" + (f": {last}" if last else ""))


def warn_on_stderr(line: str) -> None:
    print(f"tfxkit: warning: {line}", file=sys.stderr)


def notify(section: Optional[NotifySection], facts: Facts,
           warn: Callable[[str], None] = warn_on_stderr) -> list[str]:
    """Send `facts` to every target when the section asks for this outcome; the targets that failed, each
    also passed to `warn` as one line. Returns within the section's timeout (plus a few milliseconds)."""
    if section is None or facts.outcome not in section.when:
        return []
    failures: list[str] = []
    lock = threading.Lock()

    def send(target: NotifyTarget) -> None:
        try:
            (_run if target.command is not None else _post)(target, facts, section.timeout)
        except Exception as error:  # any failure of a courtesy is a warning  # noqa: BLE001
            with lock:
                failures.append(f"notification to {describe(target)} failed: {error}")

    threads = [threading.Thread(target=send, args=(t,), daemon=True) for t in section.targets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + section.timeout
    for thread, target in zip(threads, section.targets):
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            with lock:
                failures.append(f"notification to {describe(target)} failed: no answer within {section.timeout:g} s")
    with lock:
        reported = list(failures)
    for line in reported:
        warn(line)
    return reported
