"""The ML Metadata URL of a spec: sqlite:///file, mysql://..., postgresql://...

Parsed here, in pure Python, so a malformed URL is a spec error found by
`tfxkit validate`; `tfxkit.metadata` turns a parsed URL into an MLMD config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SCHEMES = ("sqlite", "mysql", "postgresql")
# The password of a server URL written without one (mysql://user@host/db): keeps it out of spec files,
# shell history and `--set` arguments.
PASSWORD_ENV = "TFXKIT_METADATA_PASSWORD"
_DEFAULT_PORTS = {"mysql": 3306, "postgresql": 5432}


@dataclass(frozen=True)
class MetadataUrl:
    """A parsed metadata URL; `path` is the SQLite file for sqlite."""

    scheme: str
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    database: str = ""
    path: str = ""
    password_in_url: bool = False  # False: none, or from TFXKIT_METADATA_PASSWORD

    def redacted(self) -> str:
        """The URL with the password hidden, for logs and reports."""
        if self.scheme == "sqlite":
            return f"sqlite:///{self.path}"
        # As written: a password from the environment is no part of the URL (nor of a recorded spec's hash).
        auth = f"{self.user}:***@" if self.password_in_url else (f"{self.user}@" if self.user else "")
        return f"{self.scheme}://{auth}{self.host}:{self.port}/{self.database}"


def parse_metadata_url(url: str) -> MetadataUrl:
    """Parse a metadata URL; raise ValueError saying what is expected.

    A server URL without a password takes it from the environment variable
    TFXKIT_METADATA_PASSWORD, when set.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in SCHEMES:
        raise ValueError(
            f"unsupported metadata URL {url!r} (expected sqlite:///path, mysql://user:password@host:port/database "
            "or postgresql://user:password@host:port/database)"
        )
    if scheme == "sqlite":
        if parts.netloc or not parts.path:
            raise ValueError(f"bad sqlite URL {url!r} (expected sqlite:///relative/path or sqlite:////absolute/path)")
        return MetadataUrl("sqlite", path=parts.path[1:] if parts.path.startswith("/") else parts.path)
    database = parts.path.lstrip("/")
    if not parts.hostname or not database:
        raise ValueError(f"bad {scheme} URL {url!r} (expected {scheme}://user:password@host:port/database)")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError(f"bad port in {url!r} (expected an integer)") from None
    return MetadataUrl(
        scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or "") or os.environ.get(PASSWORD_ENV, ""),
        database=database,
        password_in_url=bool(parts.password),
    )
