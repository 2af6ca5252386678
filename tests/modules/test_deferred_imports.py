"""Deferred modules: a run imports what it uses, and each deferred module still answers for all its names.

Each case runs in a fresh interpreter: deferral only means something before the first import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT


def _probe(code: str, *, cwd=REPO_ROOT) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(REPO_ROOT)])}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


COMPONENTS = """
import json, sys
from tfxkit.modules.deferred_imports import defer_imports
defer_imports()
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


def test_component_submodules_import_without_the_package_init_and_names_load_it():
    assert _probe(COMPONENTS) == {
        "after_submodules": [], "same_classes": True, "all": 16, "tuner_loaded": True,
        "missing": "module 'tfx.components' has no attribute 'NoSuchComponent'"}


GOOGLE_CLIENTS = """
import json, sys
from tfxkit.modules.deferred_imports import DEFERRED, defer_imports
defer_imports()
import apache_beam, apache_beam.io.gcp.bigquery, apache_beam.io.gcp.pubsub, tensorflow
google = [name for name in DEFERRED if name != "tfx.components"]
seen = {"ran_at_import": sorted(n for n in google if sys.modules[n].__dict__.get("_tfxkit_ran")),
        "notebook_bars": "tqdm.notebook" in sys.modules}
from google.cloud import bigquery, pubsub
import google.cloud.bigquery_storage_v1 as storage
from googleapiclient import discovery
seen["classes"] = [bigquery.Client.__name__, pubsub.types.PubsubMessage.__name__, storage.BigQueryReadClient.__name__,
                   discovery.build.__name__]
seen["ran_on_use"] = sorted(n for n in google if sys.modules[n].__dict__.get("_tfxkit_ran"))
message = apache_beam.io.gcp.pubsub.PubsubMessage(b"data", {"k": "v"})
seen["beam_pubsub"] = apache_beam.io.gcp.pubsub.PubsubMessage._from_proto_str(message._to_proto_str()) == message
print(json.dumps(seen))
"""


def test_beams_google_clients_run_at_their_first_use_and_work():
    seen = _probe(GOOGLE_CLIENTS)
    assert seen == {
        "ran_at_import": [], "notebook_bars": False,
        "classes": ["Client", "PubsubMessage", "BigQueryReadClient", "build"],
        "ran_on_use": ["google.cloud.bigquery", "google.cloud.bigquery_storage_v1", "google.cloud.pubsub",
                       "googleapiclient.discovery"],
        "beam_pubsub": True}


TOY = """
import json, os, sys
from tfxkit.modules.deferred_imports import defer
def ran():
    return open("ran.txt").read() if os.path.exists("ran.txt") else ""
for name in ("toy_module", "toy_package", "not_installed_anywhere", "flaky"):
    defer(name)
defer("toy_components", submodules_first=True)
import toy_module, toy_components.sub, flaky
seen = {"ran_at_import": ran()}
from toy_module import VALUE
seen["value"] = VALUE
import toy_package.sub
seen["package_before_its_submodule"] = ran()
seen["components_value"] = toy_components.VALUE
seen["ran_after_use"] = ran()
seen["not_installed"] = "not_installed_anywhere" in sys.modules
try:
    flaky.VALUE
except RuntimeError as error:
    seen["first_try"] = str(error)
open("flaky.ok", "w").close()
seen["second_try"] = flaky.VALUE
print(json.dumps(seen))
"""


def test_a_module_runs_once_at_its_first_name_a_package_before_its_submodules_and_a_failure_runs_again(tmp_path):
    (tmp_path / "toy_module.py").write_text("open('ran.txt', 'a').write('module ')\nVALUE = 7\n")
    for package in ("toy_package", "toy_components"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(f"open('ran.txt', 'a').write('{package} ')\nVALUE = 8\n")
        (tmp_path / package / "sub.py").write_text(f"open('ran.txt', 'a').write('{package}.sub ')\n")
    (tmp_path / "flaky.py").write_text("import os\nif not os.path.exists('flaky.ok'):\n    raise RuntimeError('not yet')\n"
                                       "VALUE = 9\n")
    seen = _probe(TOY, cwd=tmp_path)
    assert seen == {
        "ran_at_import": "toy_components.sub ", "value": 7,
        "package_before_its_submodule": "toy_components.sub module toy_package toy_package.sub ",
        "components_value": 8,
        "ran_after_use": "toy_components.sub module toy_package toy_package.sub toy_components ",
        "not_installed": False, "first_try": "not yet", "second_try": 9}
