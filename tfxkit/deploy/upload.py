"""Upload a compiled pipeline to Kubeflow Pipelines with the kfp client, and optionally start a run."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

from tfxkit.deploy.schedule import Scheduled, ScheduleRequest, apply_schedule


class UnreachableHost(Exception):
    """The KFP API server could not be reached; the message names it."""


class ServerRefused(Exception):
    """The KFP API server answered with an error (a 4xx or 5xx); the message says which call and why."""


@dataclass(frozen=True)
class Deployed:
    pipeline_id: str
    version_name: str
    run_id: str | None
    run_url: str | None
    scheduled: Scheduled | None = None  # what --schedule did


def check_reachable(host: str, timeout: float = 5.0) -> None:
    """Fail fast with the host's name: kfp's own client retries for minutes and raises a traceback."""
    parsed = urlparse(host if "://" in host else f"http://{host}")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((parsed.hostname or "", port), timeout=timeout).close()
    except OSError as exc:
        raise UnreachableHost(f"cannot reach Kubeflow Pipelines at {parsed.scheme}://{parsed.hostname}:{port} "
                              f"({exc.strerror or exc})") from None


def upload(host: str, package: str, name: str, version: str, experiment: str | None, start_run: bool,
           service_account: str | None, namespace: str | None = None,
           schedule: ScheduleRequest | None = None) -> Deployed:
    """Upload `package` (a compiled .yaml) as a new version of pipeline `name`; start a run if asked; put the
    pipeline's recurring run on this version at the schedule asked for, or remove it (`schedule`)."""
    import kfp
    from kfp_server_api.exceptions import ApiException

    check_reachable(host)
    try:
        client = kfp.Client(host=host, namespace=namespace)
        pipeline_id = client.get_pipeline_id(name)
        if pipeline_id is None:
            pipeline_id = client.upload_pipeline(package, pipeline_name=name).pipeline_id
        version_id = client.upload_pipeline_version(package, pipeline_version_name=version,
                                                    pipeline_id=pipeline_id).pipeline_version_id
        run_id = run_url = scheduled = None
        if start_run:
            result = client.create_run_from_pipeline_package(
                package, run_name=f"{name}-{version}", experiment_name=experiment or "Default",
                service_account=service_account, namespace=namespace)
            run_id = result.run_id
            run_url = f"{host.rstrip('/')}/#/runs/details/{run_id}"
        if schedule is not None:
            scheduled = apply_schedule(client, name, pipeline_id, version_id, schedule.cron, experiment, namespace,
                                       service_account)
    except ApiException as exc:
        raise ServerRefused(f"Kubeflow Pipelines at {host} refused: {exc.status} {exc.reason}"
                            f"{_server_message(exc.body)}") from None
    except Exception as exc:  # kfp raises urllib3 errors; report them in one line
        if isinstance(exc, (ConnectionError, OSError)) or "Max retries" in str(exc):
            raise UnreachableHost(f"cannot reach Kubeflow Pipelines at {host} ({type(exc).__name__})") from None
        raise
    return Deployed(pipeline_id, version, run_id, run_url, scheduled)


def _server_message(body: object) -> str:
    """KFP's error body ({"error"/"message": ...}) as ': <message>' on one line, '' when it has none."""
    try:
        parsed = json.loads(body) if isinstance(body, (str, bytes)) else {}
    except ValueError:
        parsed = {}
    message = (parsed.get("message") or parsed.get("error") or "") if isinstance(parsed, dict) else ""
    return f": {' '.join(str(message).split())}" if message else ""
