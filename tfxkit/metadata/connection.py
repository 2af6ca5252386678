"""Turn a metadata URL into an MLMD ConnectionConfig and open stores.

Imports only ml_metadata (no TensorFlow), so lineage commands stay quick.
"""

from __future__ import annotations

import os
import random
import socket
import time
from typing import TYPE_CHECKING

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from tfxkit.config.metadata_url import MetadataUrl, parse_metadata_url

if TYPE_CHECKING:  # the spec's models cost a third of an audit's start-up; only the runners pass one
    from tfxkit.config.load import LoadedSpec


def spec_connection_config(loaded: "LoadedSpec") -> metadata_store_pb2.ConnectionConfig:
    """The spec's metadata store; the embedded default is an SQLite file under the pipeline root."""
    pipeline = loaded.spec.pipeline
    return store_config(pipeline.metadata, loaded.resolve(pipeline.root), str(loaded.base_dir))


def store_config(url: str | None, root: str, base_dir: str, read_only: bool = False
                 ) -> metadata_store_pb2.ConnectionConfig:
    """The store of a pipeline: `url`, or `<root>/metadata.sqlite` when the spec names none."""
    if url is None:
        return connection_config(MetadataUrl("sqlite", path=os.path.join(root, "metadata.sqlite")),
                                 read_only=read_only)
    return connection_config(url, base_dir, read_only=read_only)


def connection_config(url: str | MetadataUrl, base_dir: str = ".", read_only: bool = False
                      ) -> metadata_store_pb2.ConnectionConfig:
    """An MLMD ConnectionConfig for a metadata URL; relative SQLite paths resolve against base_dir.

    `read_only` (audits): an SQLite file that does not exist is an error, never created empty.
    """
    parsed = parse_metadata_url(url) if isinstance(url, str) else url
    config = metadata_store_pb2.ConnectionConfig()
    if parsed.scheme == "sqlite":
        path = os.path.abspath(parsed.path if os.path.isabs(parsed.path) else os.path.join(base_dir, parsed.path))
        config.sqlite.filename_uri = path
        if read_only:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"no metadata store at {path} (has the pipeline run yet?)")
            config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    elif parsed.scheme == "mysql":
        config.mysql.host = parsed.host
        config.mysql.port = parsed.port
        config.mysql.database = parsed.database
        config.mysql.user = parsed.user
        config.mysql.password = parsed.password
    else:
        config.postgresql.host = parsed.host
        config.postgresql.port = str(parsed.port)
        config.postgresql.dbname = parsed.database
        config.postgresql.user = parsed.user
        config.postgresql.password = parsed.password
    return config


# What MLMD and the servers say when another process is creating the same new store (database, tables,
# MLMD's schema row) at this moment: MLMD's "Please retry the connection", MariaDB's deadlock ("try
# restarting transaction") and changed table ("please retry transaction"), PostgreSQL's duplicate catalog
# rows (database, table types) and the duplicate table.
_RACES = ("retry", "try restarting transaction", "pg_database_datname_index", "pg_type_typname_nsp_index",
          "already exists")
_RACE_RETRIES = 20


def is_creation_race(message: str) -> bool:
    """Whether an MLMD error is another process creating the same new store right now (worth a retry)."""
    return any(race in message.lower() for race in _RACES)


def open_store(config: metadata_store_pb2.ConnectionConfig) -> metadata_store.MetadataStore:
    """An MLMD store; raises ConnectionError with the redacted target when it cannot connect.

    Runs that start at once on a new server store race to create its database
    and MLMD's tables; the losers get "MLMDEnv table exists but no
    schema_version" (MLMD asks to retry) or PostgreSQL's duplicate database, and
    retry here (for up to ~10 s) until the winner is done.
    """
    for attempt in range(_RACE_RETRIES):
        try:
            return metadata_store.MetadataStore(config)
        except Exception as exc:  # MLMD raises its own status errors from C++
            if is_creation_race(str(exc)) and attempt < _RACE_RETRIES - 1:
                time.sleep(0.1 + 0.05 * attempt * (1 + random.random()))
                continue
            raise ConnectionError(f"cannot open the {_describe(config)} metadata store: {_why(config, exc)}") from exc
    raise AssertionError("unreachable")


# MLMD's MySQL ("mysql_real_connect failed: errno: , error:") and PostgreSQL ("connection pointer is NULL")
# messages for a server that refused or is not there.
_CONNECT_FAILED = ("connect failed", "connection pointer is null", "could not connect")


def _why(config: metadata_store_pb2.ConnectionConfig, exc: Exception) -> str:
    """MLMD's MySQL client says only 'mysql_real_connect failed: errno: , error:' for both a server that
    is not there and a refused login; a TCP probe tells the two apart."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    which = config.WhichOneof("config")
    # Only MLMD's connection failures are a login question, not every error quoting "errno" (a store-creation
    # race's "Table ... doesn't exist" was once reported as a refused login).
    if which in ("mysql", "postgresql") and any(m in text.lower() for m in _CONNECT_FAILED):
        c = getattr(config, which)
        try:
            socket.create_connection((c.host, int(c.port)), timeout=3).close()
        except OSError as probe:
            return f"nothing answers at {c.host}:{c.port} ({probe.strerror or probe})"
        return f"the server at {c.host}:{c.port} refused user '{c.user}' (wrong password, or no access to the database)"
    return text


def _describe(config: metadata_store_pb2.ConnectionConfig) -> str:
    """'sqlite (/path)', 'mysql (user@host:port/db)': where, never the password."""
    which = config.WhichOneof("config")
    if which == "sqlite":
        return f"sqlite ({config.sqlite.filename_uri})"
    if which == "mysql":
        c = config.mysql
        return f"mysql ({c.user}@{c.host}:{c.port}/{c.database})"
    c = config.postgresql
    return f"postgresql ({c.user}@{c.host}:{c.port}/{c.dbname})"
