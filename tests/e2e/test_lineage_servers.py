"""The lineage audit on shared stores: a real penguin run recorded in MariaDB and in PostgreSQL.

Each server gets a fresh database and its own user (created through the local
clients, as CI does on a fresh machine), one short run, and the same audit
assertions as on SQLite: data file and fingerprint, curated schema, blessing
against its threshold, spec hash. The password must never reach the output, the
run log or the recorded spec.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.conftest import DB_PASSWORD, REPO_ROOT, mysql_database, postgres_database, run_cli
from tfxkit.config.load import load_spec

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
QUICK = ["--set", "trainer.epochs=8", "--set", "evaluation.thresholds.accuracy.lower_bound=0.5"]


@pytest.fixture(scope="module", params=["mariadb", "postgresql"])
def server_run(request, tmp_path_factory):
    db = "tfxkit_e2e_lineage"
    url = mysql_database(db, fresh=True) if request.param == "mariadb" else postgres_database(db, fresh=True)
    root = tmp_path_factory.mktemp(request.param)
    args = ["--root", str(root), "--set", f"pipeline.metadata={url}", *QUICK]
    result = run_cli("run", SPEC, *args)
    assert result.code == 0, result.stderr[-3000:]
    return url, args, result


def test_lineage_on_a_server_store(server_run):
    url, args, run = server_run
    assert DB_PASSWORD not in run.stdout + run.stderr
    log = Path(re.search(r"log +(\S+)", run.stdout).group(1))
    assert "Using connection config" in log.read_text() and DB_PASSWORD not in log.read_text()
    via_spec = run_cli("lineage", SPEC, *args, "--format", "json")
    assert via_spec.code == 0, via_spec.stderr
    p = json.loads(via_spec.stdout)
    data = REPO_ROOT / "data/penguins/penguins.csv"
    assert p["examples"]["files"][0]["path"] == str(data)
    assert p["examples"]["files"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert p["schema"]["file"]["path"] == str(REPO_ROOT / "schemas/penguin.pbtxt")
    check = p["blessing"]["checks"][0]
    assert check["passed"] and check["threshold"]["lower_bound"] == 0.5 and check["value"] >= 0.5
    loaded = load_spec(REPO_ROOT / SPEC, {"pipeline.root": args[1], "pipeline.metadata": url, "trainer.epochs": 8,
                                          "evaluation.thresholds.accuracy.lower_bound": 0.5})
    assert p["spec"]["hash"] == loaded.spec_hash()
    assert DB_PASSWORD not in json.dumps(p["spec"]["resolved"])  # the recorded spec holds no password

    # The same answer from the store alone, without the spec (the team's shared store).
    via_url = run_cli("lineage", "--metadata", url, "--format", "json")
    assert via_url.code == 0, via_url.stderr
    assert json.loads(via_url.stdout)["model"]["artifact_id"] == p["model"]["artifact_id"]
    runs = run_cli("runs", "--metadata", url)
    assert runs.code == 0 and "pushed" in runs.stdout and DB_PASSWORD not in runs.stdout
