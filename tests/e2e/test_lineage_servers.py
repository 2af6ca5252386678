"""The lineage audit on shared stores: a real penguin run recorded in MariaDB and in PostgreSQL.

Each server gets a fresh database and its own user (created through the local
clients, as CI does on a fresh machine), one short run, and the same audit
assertions as on SQLite: data file and fingerprint, curated schema, blessing
against its threshold, spec hash. The password must never reach the output, the
run log or the recorded spec.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DB_PASSWORD, REPO_ROOT, CliResult, mysql_database, postgres_database, run_cli
from tests.conftest import run_cli as _run_cli
from tfxkit.config.load import load_spec

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
QUICK = ["--set", "trainer.epochs=8", "--set", "evaluation.thresholds.accuracy.lower_bound=0.5"]


def _dump(kind: str, db: str) -> str:
    """Everything the server holds for the store, as SQL text (the same tools a DBA would use)."""
    cmd = (["mysqldump", "-uroot", db] if kind == "mariadb"
           else ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", db])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.fixture(scope="module", params=["mariadb", "postgresql"])
def server_run(request, tmp_path_factory):
    """Two different pipelines run at once on one fresh server store. MariaDB gets the password in the URL,
    PostgreSQL from TFXKIT_METADATA_PASSWORD (its URL has none)."""
    db, kind = "tfxkit_e2e_lineage", request.param
    url = mysql_database(db, fresh=True) if kind == "mariadb" else postgres_database(db, fresh=True)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if kind == "postgresql":
        url = url.replace(f":{DB_PASSWORD}@", "@")
        env["TFXKIT_METADATA_PASSWORD"] = DB_PASSWORD
    roots = [tmp_path_factory.mktemp(f"{kind}-{name}") for name in ("penguin", "other")]
    arg_sets = [["--root", str(root), "--set", f"pipeline.metadata={url}", *QUICK] for root in roots]
    arg_sets[1] += ["--set", "pipeline.name=penguin_other", "--set", "trainer.epochs=6"]
    procs = [subprocess.Popen([sys.executable, "-m", "tfxkit", "run", SPEC, *args], cwd=REPO_ROOT, env=env,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for args in arg_sets]
    outputs = [p.communicate(timeout=1800) for p in procs]
    results = [CliResult(p.returncode, out, err) for p, (out, err) in zip(procs, outputs)]
    for result in results:
        assert result.code == 0, result.stderr[-3000:]
    return kind, db, url, env, arg_sets, results


def test_two_pipelines_at_once_on_one_server_store_keep_separate_lineage(server_run):
    kind, db, url, env, arg_sets, results = server_run
    env_cli = functools.partial(run_cli, env=env)
    lineages = [json.loads(env_cli("lineage", "--metadata", url, "--pipeline", name, "--format", "json").stdout)
                for name in ("penguin", "penguin_other")]
    assert lineages[0]["model"]["artifact_id"] != lineages[1]["model"]["artifact_id"]
    assert [lin["model"]["training"]["trainer"]["epochs"] for lin in lineages] == [8, 6]
    for lin, result in zip(lineages, results):
        assert lin["pushed"]["destination"] == re.search(r"pushed +(\S+)", result.stdout).group(1)
    pipelines = env_cli("runs", "--metadata", url)  # the store holds two pipelines: it lists them
    assert "penguin_other" in pipelines.stderr + pipelines.stdout


def test_the_password_is_nowhere(server_run, tmp_path):
    """Console, run logs, MLMD (the whole database dumped), the plan and error messages."""
    kind, db, url, env, arg_sets, results = server_run
    seen = [r.stdout + r.stderr for r in results]
    seen += [Path(re.search(r"log +(\S+)", r.stdout).group(1)).read_text() for r in results]
    seen.append(_dump(kind, db))
    plan = run_cli("plan", SPEC, *arg_sets[0], "--json", env=env)
    assert plan.code == 0, plan.stderr
    seen.append(plan.stdout + plan.stderr)
    wrong = url.replace(f":{DB_PASSWORD}@", ":not-the-password@") if kind == "mariadb" else url
    refused = run_cli("runs", "--metadata", wrong, env=dict(env, TFXKIT_METADATA_PASSWORD="not-the-password"))
    if kind == "mariadb":  # this machine's PostgreSQL trusts local connections: it checks no password
        assert refused.code != 0 and "refused user 'tfxkit_test'" in refused.stderr, refused.stderr
    seen.append(refused.stdout + refused.stderr)
    for text in seen:
        assert DB_PASSWORD not in text and "not-the-password" not in text
    assert "Using connection config" in seen[len(results)]  # the log does hold TFX's connection config


def test_lineage_on_a_server_store(server_run):
    kind, db, url, env, arg_sets, results = server_run
    args = arg_sets[0]
    store_args = args[:len(args) - len(QUICK)]  # an audit takes where the store is, not the run's settings
    run_cli = functools.partial(_run_cli, env=env)
    via_spec = run_cli("lineage", SPEC, *store_args, "--format", "json")
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
    via_url = run_cli("lineage", "--metadata", url, "--pipeline", "penguin", "--format", "json")
    assert via_url.code == 0, via_url.stderr
    assert json.loads(via_url.stdout)["model"]["artifact_id"] == p["model"]["artifact_id"]
    runs = run_cli("runs", "--metadata", url, "--pipeline", "penguin")
    assert runs.code == 0 and "pushed" in runs.stdout and DB_PASSWORD not in runs.stdout
