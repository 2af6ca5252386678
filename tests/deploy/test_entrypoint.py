"""The compiled tasks' entrypoint: TFX's executor runner, loaded without the components a task does not run."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

# TFX's runner module imported as the entrypoint would run it (runpy swapped for a plain import, so no
# task arguments are needed); then what the process holds.
PROBE = """
import json, runpy, sys
from tfxkit.deploy import entrypoint
ran = []
runpy.run_module = lambda name, **kwargs: (ran.append(name), __import__(name))
entrypoint.main()
print(json.dumps({"ran": ran, "loaded": sorted(m for m in ("keras_tuner", "tfx.components.tuner.component",
    "tfx.components.infra_validator.component", "tfx.components.evaluator.executor") if m in sys.modules)}))
"""


def test_a_task_loads_tfxs_runner_and_the_evaluator_it_names_but_not_every_component():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"ran": ["tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"],
                    "loaded": ["tfx.components.evaluator.executor"]}
