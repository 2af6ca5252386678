"""Shared test helpers: run the CLI in a subprocess, read a pipeline's MLMD."""

from __future__ import annotations

import os
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


def run_cli(*args: str, timeout: int = 900) -> CliResult:
    """`python -m tfxkit ARGS` from the repository root, as a user would run it."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-m", "tfxkit", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli
