"""An HTTP endpoint in the test process that records what each POST carried; `hang` makes it never answer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Webhook:
    """`with Webhook() as hook:` serves http://127.0.0.1:<port>/; `hook.received`: (path, headers, body) per POST."""

    def __init__(self, status: int = 200, hang: bool = False) -> None:
        self.received: list[tuple[str, dict, dict]] = []
        self.release = threading.Event()  # a hanging hook answers once the test is done with it
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.received.append((self.path, dict(self.headers), body))
                if hang:
                    hook.release.wait(60)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "Webhook":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
