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


# A user and password the server tests create for themselves (never root over TCP: Debian's
# MariaDB authenticates root by socket only).
DB_USER, DB_PASSWORD = "tfxkit_test", "tfxkit-pw"


def _provision(cmd: list[str]) -> None:
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} client not installed")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        pytest.skip(f"cannot provision a test database with {cmd[0]}: {proc.stderr.strip()[:200]}")


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
