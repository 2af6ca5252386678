"""The `notify` section: who hears about a run's outcome, and when.

Targets are a webhook (a JSON POST) or a command (run without a shell, the
facts in its environment). Secrets never sit in the spec, which is recorded
in ML Metadata and shown by `lineage --spec`: a webhook URL that carries one
(Slack, Teams and Discord put it in the path; others in the query or as a
password) is given by the name of the environment variable holding it, and so
are header values. A URL that visibly carries a secret is refused.
"""

from __future__ import annotations

import re
from typing import Literal, Optional, get_args
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, field_validator, model_validator

from tfxkit.config.sections.strict import Strict

# `succeeded` is Kubeflow's alone: its exit handler sees a run's final state, not whether it pushed (a local run
# says pushed or not_blessed instead; tfxkit.components.notify_exit).
NotifyEvent = Literal["failed", "data_stopped", "not_blessed", "pushed", "rolled_back", "interrupted", "succeeded"]
EVENTS: tuple[str, ...] = get_args(NotifyEvent)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Webhook services whose URL path is itself the secret.
_SECRET_PATHS = (("hooks.slack.com", "/services/"), ("outlook.office.com", "/webhook"),
                 ("webhook.office.com", "/webhook"), ("discord.com", "/api/webhooks/"),
                 ("discordapp.com", "/api/webhooks/"), ("chat.googleapis.com", "/v1/spaces/"))
_SECRET_QUERY = re.compile(r"token|key|secret|passw|sig|auth|code", re.IGNORECASE)


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (expected letters, digits and _; the "
                         "variable holds the secret, never the spec)")
    return value


def secret_in_url(url: str) -> Optional[str]:
    """What in `url` is a secret (a password, a token in the query, a secret path), or None."""
    parts = urlsplit(url)
    if parts.password:
        return "a password"
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if _SECRET_QUERY.search(name):
            return f"the query parameter '{name}'"
    for host, path in _SECRET_PATHS:
        if (parts.hostname or "").endswith(host) and parts.path.startswith(path):
            return f"{host}'s secret path"
    return None


class NotifyTarget(Strict):
    """One target: `webhook` (a URL), `webhook_env` (the variable that holds the URL) or `command`."""

    webhook: Optional[str] = Field(default=None, description="URL to POST the facts to as JSON (http or https).")
    webhook_env: Optional[str] = Field(default=None, description="Environment variable holding the webhook URL "
                                       "(for URLs that carry a secret: Slack, Teams, Discord).")
    headers_env: dict[str, str] = Field(default_factory=dict, description="HTTP header: environment variable "
                                        "holding its value (e.g. Authorization: ALERTS_TOKEN).")
    command: Optional[list[str]] = Field(default=None, min_length=1, description="Program and arguments, run "
                                         "without a shell; the facts are in TFXKIT_* environment variables.")

    @field_validator("webhook")
    @classmethod
    def _webhook_url(cls, url: Optional[str]) -> Optional[str]:
        if url is None:
            return url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
        secret = secret_in_url(url)
        if secret:
            raise ValueError(f"the URL carries a secret ({secret}); the spec is recorded and shown by audits: put "
                             "the URL in an environment variable and name it (webhook_env: NAME)")
        return url

    @field_validator("webhook_env")
    @classmethod
    def _url_variable(cls, name: Optional[str]) -> Optional[str]:
        return name if name is None else _env_name(name)

    @field_validator("headers_env")
    @classmethod
    def _header_variables(cls, headers: dict[str, str]) -> dict[str, str]:
        for value in headers.values():
            _env_name(value)
        return headers

    @model_validator(mode="after")
    def _one_kind(self) -> "NotifyTarget":
        given = [k for k in ("webhook", "webhook_env", "command") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give one of webhook, webhook_env or command (got {', '.join(given) or 'none'})")
        if self.headers_env and self.command is not None:
            raise ValueError("headers_env applies to a webhook, not a command")
        return self


class NotifySection(Strict):
    """Notifications of a run's outcome; a target that fails or hangs is a warning, never a failed run."""

    when: list[NotifyEvent] = Field(default_factory=lambda: ["failed", "data_stopped"], min_length=1,
                                    description="Outcomes to notify: " + ", ".join(EVENTS) + ". (Not `on`: "
                                    "YAML reads that key as true.)")
    timeout: float = Field(default=10.0, gt=0, le=300, description="Seconds a target may take; the run waits "
                           "no longer for all of them together.")
    targets: list[NotifyTarget] = Field(min_length=1)
