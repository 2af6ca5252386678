"""Shared test helpers: run the CLI in a subprocess, read a pipeline's MLMD."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def sigint_as_at_a_terminal() -> None:
    """Popen's preexec_fn for a child the test sends Ctrl-C: a background job of a non-interactive shell starts
    with SIGINT ignored and passes that on, and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str, timeout: int = 900, env: dict[str, str] | None = None) -> CliResult:
    """`python -m tfxkit ARGS` from the repository root, as a user would run it (in `env`, if given)."""
    env = dict(env or os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-m", "tfxkit", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


def under_ci() -> bool:
    """CI (`.ci/run` sets CI=true) must exercise every promise: there a missing tool fails instead of skipping."""
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """A test cannot run here because a tool or server is missing: skip it, except under CI, where it fails."""
    if under_ci():
        pytest.fail(f"{reason}; under CI=true nothing may be skipped (.ci/run installs and starts it)", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, why: str, *alternatives: str) -> str:
    """The path of program `name` (or one of `alternatives`); `missing` when none is installed."""
    found = next((path for path in map(shutil.which, (name, *alternatives)) if path), None)
    if found is None:
        missing(f"{name} is not installed ({why}; .ci/run installs it from Debian's packages)")
    return found


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test`'s `-n 2 --dist loadfile`: whole files per worker as before, handed out longest first
    (tests/xdist_schedule.py), so the e2e modules do not end the run on one worker while the other is idle."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.xdist_schedule import LongestFirstScheduling

    return LongestFirstScheduling(config, log)


def pytest_terminal_summary(terminalreporter) -> None:
    """End `make test` with one line naming what was skipped and why, so a skip never passes unnoticed; before
    it, the minutes each xdist worker and each e2e module took (tests/xdist_schedule.py orders by the latter)."""
    from tests.xdist_schedule import minutes_lines

    for line in minutes_lines(r for reports in terminalreporter.stats.values() for r in reports):
        terminalreporter.write_line(line)
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    shown = "; ".join(f"{reason} ({count})" for reason, count in sorted(reasons.items()))
    terminalreporter.write_line(f"tfxkit: {len(skipped)} skipped: {shown}")


# A user and password the server tests create for themselves (never root over TCP: Debian's
# MariaDB authenticates root by socket only).
DB_USER, DB_PASSWORD = "tfxkit_test", "tfxkit-pw"


def _provision(cmd: list[str]) -> None:
    """Run a database client command as the server's administrator: over TCP as given, else (a server that
    authenticates its administrator by socket only, as Debian's PostgreSQL does) as that OS user on the socket."""
    require_tool(cmd[0], "the shared-store tests create their database and user with it")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and cmd[0] == "psql" and os.geteuid() == 0 and shutil.which("runuser"):
        local = [arg for arg in cmd if arg not in ("-h", "127.0.0.1", "-U", "postgres")]
        proc = subprocess.run(["runuser", "-u", "postgres", "--", *local], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        missing(f"cannot provision a test database with {cmd[0]}: {proc.stderr.strip()[:200]}")


def mysql_database(db: str, fresh: bool = False) -> str:
    """A MariaDB/MySQL database and user on 127.0.0.1:3306 (created as root over the socket); its URL."""
    drop = f"DROP DATABASE IF EXISTS {db}; " if fresh else ""
    _provision(["mysql", "-uroot", "-e",
                f"{drop}CREATE DATABASE IF NOT EXISTS {db}; "
                f"CREATE USER IF NOT EXISTS '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}'; "
                f"CREATE USER IF NOT EXISTS '{DB_USER}'@'localhost' IDENTIFIED BY '{DB_PASSWORD}'; "
                f"GRANT ALL ON {db}.* TO '{DB_USER}'@'127.0.0.1'; GRANT ALL ON {db}.* TO '{DB_USER}'@'localhost';"])
    return f"mysql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:3306/{db}"


def postgres_database(db: str, fresh: bool = False) -> str:
    """A PostgreSQL role on 127.0.0.1:5432 that may create databases (MLMD creates `db`); its URL."""
    _provision(["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DB_USER}') THEN "
                f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{DB_PASSWORD}' CREATEDB; END IF; END $$;"])
    if fresh:
        _provision(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {db};"])
    return f"postgresql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:5432/{db}"



@pytest.fixture(scope="session")
def lineage_history(tmp_path_factory):
    """tests/e2e/test_lineage.py's three penguin runs in a store built with MLMD's API (tests/mlmd_store.py),
    shared by the fast lineage and report tests, which only read it."""
    from tests.mlmd_store import penguin_history

    return penguin_history(tmp_path_factory.mktemp("lineage_history"))


@pytest.fixture(scope="session")
def spans_history(tmp_path_factory):
    """Two runs over data in spans in a store built with MLMD's API (tests/mlmd_store.py `spans_history`), shared by
    the fast lineage and report tests, which only read it."""
    from tests.mlmd_store import spans_history

    return spans_history(tmp_path_factory.mktemp("spans_history"))
