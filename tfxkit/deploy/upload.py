"""Upload a compiled pipeline to Kubeflow Pipelines with the kfp client, and optionally start a run."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlparse


class UnreachableHost(Exception):
    """The KFP API server could not be reached; the message names it."""


@dataclass(frozen=True)
class Deployed:
    pipeline_id: str
    version_name: str
    run_id: str | None
    run_url: str | None


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
           service_account: str | None, namespace: str | None = None) -> Deployed:
    """Upload `package` (a compiled .yaml) as a new version of pipeline `name`; start a run if asked."""
    import kfp

    check_reachable(host)
    try:
        client = kfp.Client(host=host, namespace=namespace)
        pipeline_id = client.get_pipeline_id(name)
        if pipeline_id is None:
            pipeline_id = client.upload_pipeline(package, pipeline_name=name).pipeline_id
        client.upload_pipeline_version(package, pipeline_version_name=version, pipeline_id=pipeline_id)
        run_id = run_url = None
        if start_run:
            result = client.create_run_from_pipeline_package(
                package, run_name=f"{name}-{version}", experiment_name=experiment or "Default",
                service_account=service_account, namespace=namespace)
            run_id = result.run_id
            run_url = f"{host.rstrip('/')}/#/runs/details/{run_id}"
    except Exception as exc:  # kfp raises urllib3/ApiException subclasses; report them in one line
        if isinstance(exc, (ConnectionError, OSError)) or "Max retries" in str(exc):
            raise UnreachableHost(f"cannot reach Kubeflow Pipelines at {host} ({type(exc).__name__})") from None
        raise
    return Deployed(pipeline_id, version, run_id, run_url)
