"""A Kubeflow Pipelines API server in the test process: the subset of KFP's v2beta1 REST API that `tfxkit deploy`
calls through the real kfp client (healthz, pipelines and their upload, experiments, recurring runs).

It keeps what it is sent in memory and records every request, so a test checks the calls the kfp client really
made and what the server ended up holding. `refuse` makes one path answer an error, as a server would.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API = "/apis/v2beta1"


@dataclass
class KfpState:
    pipelines: dict[str, dict] = field(default_factory=dict)
    versions: dict[str, dict] = field(default_factory=dict)
    experiments: dict[str, dict] = field(default_factory=dict)
    recurring_runs: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    refuse: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # (method, path) -> (status, message)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_id(self, kind: str) -> str:
        return f"{kind}-{next(self.ids)}"


def _matches(item: dict, filter_json: str | None) -> bool:
    """KFP's filter: only EQUALS on display_name is used by the client calls tfxkit makes."""
    if not filter_json:
        return True
    return all(item.get(p["key"]) == p.get("stringValue") for p in json.loads(filter_json)["predicates"])


class _Handler(BaseHTTPRequestHandler):
    state: KfpState

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.state.requests.append((method, url.path))
        if (method, url.path) in self.state.refuse:
            status, message = self.state.refuse[(method, url.path)]
            return self._answer(status, {"error": message, "message": message, "code": 3})
        s = self.state
        if url.path == f"{API}/healthz":
            return self._answer(200, {"multi_user": False})
        if url.path == f"{API}/pipelines" and method == "GET":
            found = [p for p in s.pipelines.values() if _matches(p, query.get("filter"))]
            return self._answer(200, {"pipelines": found, "total_size": len(found)} if found else {})
        if url.path == f"{API}/pipelines/upload" and method == "POST":
            pipeline = {"pipeline_id": s.new_id("pipeline"), "display_name": query["name"]}
            s.pipelines[pipeline["pipeline_id"]] = pipeline
            return self._answer(200, pipeline)
        if url.path == f"{API}/pipelines/upload_version" and method == "POST":
            version = {"pipeline_id": query["pipelineid"], "pipeline_version_id": s.new_id("version"),
                       "display_name": query["name"], "package_bytes": len(body)}
            s.versions[version["pipeline_version_id"]] = version
            return self._answer(200, version)
        if url.path == f"{API}/experiments" and method == "GET":
            found = [e for e in s.experiments.values() if _matches(e, query.get("filter"))]
            return self._answer(200, {"experiments": found, "total_size": len(found)} if found else {})
        if url.path == f"{API}/experiments" and method == "POST":
            experiment = {**json.loads(body), "experiment_id": s.new_id("experiment")}
            s.experiments[experiment["experiment_id"]] = experiment
            return self._answer(200, experiment)
        if url.path == f"{API}/recurringruns" and method == "GET":
            found = [r for r in s.recurring_runs.values() if r.get("experiment_id") == query.get("experiment_id")
                     and _matches(r, query.get("filter"))]
            return self._answer(200, {"recurringRuns": found, "total_size": len(found)} if found else {})
        if url.path == f"{API}/recurringruns" and method == "POST":
            run = {**json.loads(body), "recurring_run_id": s.new_id("recurring")}
            s.recurring_runs[run["recurring_run_id"]] = run
            return self._answer(200, run)
        if url.path.startswith(f"{API}/recurringruns/") and method == "DELETE":
            s.recurring_runs.pop(url.path.rsplit("/", 1)[1], None)
            return self._answer(200, {})
        return self._answer(404, {"error": f"no route {method} {url.path}", "code": 5})

    def do_GET(self) -> None:  # noqa: N802 (http.server's names)
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")


class KfpApiServer:
    """`with KfpApiServer() as kfp:` serves on 127.0.0.1 on a free port; `kfp.host` and `kfp.state`."""

    def __init__(self) -> None:
        self.state = KfpState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.host = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "KfpApiServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
