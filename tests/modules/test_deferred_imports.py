"""A deferred `tfx.components`: a run imports the components it uses, and the package still answers for all."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = """
import json, sys
from tfxkit.modules.deferred_imports import defer_tfx_components
defer_tfx_components()
from tfx.components.statistics_gen.component import StatisticsGen
from tfx.components.transform.component import Transform
seen = {"after_submodules": sorted(m for m in ("keras_tuner", "tfx.components.infra_validator.component",
                                                "tfx.components.tuner.component") if m in sys.modules)}
import tfx.components
from tfx.components import Tuner, InfraValidator
seen["same_classes"] = tfx.components.StatisticsGen is StatisticsGen and tfx.components.Transform is Transform
seen["all"] = len(tfx.components.__all__)
seen["tuner_loaded"] = "keras_tuner" in sys.modules
try:
    tfx.components.NoSuchComponent
except AttributeError as error:
    seen["missing"] = str(error)
print(json.dumps(seen))
"""


def test_submodules_import_without_the_package_init_and_names_load_it():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"after_submodules": [], "same_classes": True, "all": 16, "tuner_loaded": True,
                    "missing": "module 'tfx.components' has no attribute 'NoSuchComponent'"}
