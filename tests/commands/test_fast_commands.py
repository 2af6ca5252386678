"""validate, plan and schema never import the heavy stack (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

HEAVY = ["tensorflow", "tfx", "apache_beam", "tensorflow_transform", "tensorflow_model_analysis",
         "tensorflow_data_validation", "tf_keras", "keras", "ml_metadata"]

PROBE = """
import contextlib, io, json, sys
from tfxkit.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "heavy": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,)


@pytest.mark.parametrize("args", [
    ["validate", "pipelines/penguin.yaml", "pipelines/taxi.yaml"],
    ["plan", "pipelines/penguin.yaml"],
    ["plan", "pipelines/taxi.yaml", "--json"],
    ["schema"],
])
def test_command_imports_nothing_heavy(args):
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "heavy": []}


@pytest.mark.parametrize("value, message", [
    ("trainer.epochs=!!python/name:os.system x", "--set trainer.epochs: column 16: tag !!python/name:os.system is not allowed"),
    ("k=a: [", "--set k: column 7: invalid YAML"),
    ("trainer.epochs=&a [*a]", "--set trainer.epochs"),
])
def test_hostile_set_values_are_one_line(value, message):
    from tests.conftest import run_cli

    result = run_cli("validate", "pipelines/penguin.yaml", "--set", value)
    assert result.code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
