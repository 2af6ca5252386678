"""A project from `tfxkit init` tests green as written: its own `make test` (the spec validates, the plan
has the components, the pipeline runs and pushes a blessed model) on this environment's Python."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import require_tool, run_cli

pytestmark = pytest.mark.e2e


def test_a_new_project_passes_its_own_tests(tmp_path):
    require_tool("make", "a new project's two commands are make targets")
    project = tmp_path / "penguins"
    assert run_cli("init", str(project)).code == 0
    # PYTHON= skips `make setup` (a fresh .venv would install the whole lock); this Python has it.
    result = subprocess.run(["make", "test", f"PYTHON={sys.executable}"], cwd=project, capture_output=True,
                            text=True, timeout=1500, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 passed" in result.stdout
    assert not (project / ".venv").exists()
