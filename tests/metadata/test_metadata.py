"""Metadata URLs and real MLMD stores: SQLite, MariaDB/MySQL and PostgreSQL servers.

The server tests provision their own user and database through the local
clients (`mysql` as root over the socket, `psql` as postgres); where a server
or client is missing they are skipped with the reason.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from ml_metadata.proto import metadata_store_pb2

from tests.conftest import REPO_ROOT, mysql_database, postgres_database
from tfxkit.config.metadata_url import MetadataUrl, parse_metadata_url
from tfxkit.metadata.connection import _why, connection_config, is_creation_race, open_store
from tfxkit.metadata.keys import SPEC, SPEC_HASH
from tfxkit.metadata.runs import recorded_spec
from tfxkit.metadata.store import Store


@pytest.mark.parametrize("url, expected", [
    ("sqlite:///runs/m.db", MetadataUrl("sqlite", path="runs/m.db")),
    ("sqlite:////abs/m.db", MetadataUrl("sqlite", path="/abs/m.db")),
    ("mysql://u:p%40ss@db.example:3307/mlmd", MetadataUrl("mysql", "db.example", 3307, "u", "p@ss", "mlmd",
                                                           password_in_url=True)),
    ("postgresql://u@localhost/mlmd", MetadataUrl("postgresql", "localhost", 5432, "u", "", "mlmd")),
])
def test_parse_metadata_url(url, expected):
    assert parse_metadata_url(url) == expected


@pytest.mark.parametrize("url, message", [
    ("redis://localhost/0", "unsupported metadata URL"),
    ("sqlite://host/m.db", "bad sqlite URL"),
    ("mysql://localhost", "bad mysql URL"),
    ("postgresql://u@localhost:port/db", "bad port"),
])
def test_bad_metadata_urls(url, message):
    with pytest.raises(ValueError, match=message):
        parse_metadata_url(url)


def test_redacted_url_hides_the_password():
    assert parse_metadata_url("mysql://u:secret@h:3306/d").redacted() == "mysql://u:***@h:3306/d"


def test_a_password_from_the_environment_is_used_but_no_part_of_the_url(monkeypatch):
    monkeypatch.setenv("TFXKIT_METADATA_PASSWORD", "from-env")
    parsed = parse_metadata_url("postgresql://u@h:5432/d")
    assert parsed.password == "from-env"
    assert parsed.redacted() == "postgresql://u@h:5432/d"  # as written: a recorded spec hashes the same
    assert parse_metadata_url("mysql://u:in-url@h/d").password == "in-url"  # the URL's own wins


def _roundtrip(config: metadata_store_pb2.ConnectionConfig) -> None:
    """Write a pipeline_run context with a recorded spec through MLMD and read it back."""
    store = open_store(config)
    context_type = metadata_store_pb2.ContextType(name="pipeline_run")
    type_id = store.put_context_type(context_type)
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    store.put_contexts([metadata_store_pb2.Context(type_id=type_id, name=run_id)])
    Store(config).annotate_run(run_id, {SPEC: '{"a":1}', SPEC_HASH: "abc123"})
    assert recorded_spec(Store(config), run_id) == ('{"a":1}', "abc123")


def test_sqlite_store(tmp_path):
    _roundtrip(connection_config(f"sqlite:///{tmp_path}/nested/m.sqlite"))
    assert (tmp_path / "nested/m.sqlite").is_file()


@pytest.fixture(scope="module")
def mysql_url():
    return mysql_database("tfxkit_test_mlmd")


@pytest.fixture(scope="module")
def postgres_url():
    return postgres_database("tfxkit_test_mlmd")


def test_mariadb_store(mysql_url):
    _roundtrip(connection_config(mysql_url))


def test_postgresql_store(postgres_url):
    _roundtrip(connection_config(postgres_url))


# Errors seen with 6 processes opening one new store at once, 20 rounds per server (MLMD 1.x, MariaDB, PostgreSQL).
RACE_ERRORS = [
    "In the given db, MLMDEnv table exists but no schema_version can be found. This may be due to concurrent "
    "connection to the empty database. Please retry connection.",
    "There are a subset of tables in MLMD instance. This may be due to concurrent connection to the empty "
    "database. Please retry the connection. check_result: INTERNAL: mysql_query failed: errno: Table "
    "'tfxkit_test_race.Association' doesn't exist, error: Table 'tfxkit_test_race.Association' doesn't exist",
    "mysql_query aborted: errno: Deadlock found when trying to get lock; try restarting transaction, error: "
    "Deadlock found when trying to get lock; try restarting transaction",
    "INTERNAL: mysql_query  SELECT `schema_version` FROM `MLMDEnv`; returned an unexpected NULL result_set: "
    "errno: Table definition has changed, please retry transaction",
    'PostgreSQL metadata source error: ERROR:  duplicate key value violates unique constraint '
    '"pg_database_datname_index"',
    'PostgreSQL metadata source error: ERROR:  duplicate key value violates unique constraint '
    '"pg_type_typname_nsp_index"',
]


@pytest.mark.parametrize("message", RACE_ERRORS)
def test_every_store_creation_race_is_retried_and_never_called_a_refused_login(message):
    assert is_creation_race(message)
    mysql = connection_config("mysql://someone:pw@127.0.0.1:3306/db")
    assert "refused" not in _why(mysql, RuntimeError(message))


@pytest.mark.parametrize("message", ["mysql_real_connect failed: errno: , error:",
                                     "PostgreSQL metadata source error: connection pointer is NULL",
                                     "Cannot connect sqlite3 database: unable to open database file"])
def test_a_refused_login_or_missing_server_is_not_retried(message):
    assert not is_creation_race(message)


@pytest.mark.parametrize("database", [mysql_database, postgres_database], ids=["mariadb", "postgresql"])
def test_processes_opening_a_new_server_store_at_once_all_get_it(database):
    """MLMD's schema creation races ("MLMDEnv table exists but no schema_version ... retry"): open_store
    retries, so runs started at once on a fresh database all connect."""
    url = database("tfxkit_test_race", fresh=True)
    code = ("import sys; from tfxkit.metadata.connection import connection_config, open_store; "
            "open_store(connection_config(sys.argv[1])); print('opened')")
    procs = [subprocess.Popen([sys.executable, "-c", code, url], cwd=REPO_ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in outputs] == ["opened"] * 4, [err[-500:] for _, err in outputs]


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(ConnectionError, match=r"cannot open the mysql \(nobody@127.0.0.1:1/none\) metadata store"):
        open_store(connection_config("mysql://nobody:x@127.0.0.1:1/none"))


def test_run_against_an_unreachable_store_is_one_line(tmp_path):
    from tests.conftest import run_cli

    result = run_cli("run", "pipelines/penguin.yaml", "--root", str(tmp_path),
                     "--set", "pipeline.metadata=mysql://nobody:x@127.0.0.1:1/none")
    assert result.code == 1
    assert result.stderr.strip().startswith("tfxkit: cannot open the mysql (nobody@127.0.0.1:1/none) metadata store")
    assert "Traceback" not in result.stderr and "x@" not in result.stderr


def test_a_wrong_password_says_the_login_was_refused(mysql_url):
    from tests.conftest import DB_PASSWORD, run_cli

    wrong = mysql_url.replace(DB_PASSWORD, "not-the-password")
    result = run_cli("runs", "--metadata", wrong)
    assert result.code == 1
    assert "the server at 127.0.0.1:3306 refused user 'tfxkit_test' (wrong password" in result.stderr
    assert "not-the-password" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
