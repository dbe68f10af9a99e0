"""An HTTP server on 127.0.0.1 in a thread of this process, for the rehearsal's stand-ins,
and what their handlers share: JSON replies, and Google's error body
(https://cloud.google.com/apis/design/errors#http_mapping)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port for the block; yields the server's URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def serving_for(owner, handler: type[BaseHTTPRequestHandler], attribute: str) -> Iterator[str]:
    """Serve `handler` with `owner` as its class attribute `attribute` (how the handler
    reaches the stand-in or proxy it answers for); yields the server's URL."""
    bound = type(handler.__name__, (handler,), {attribute: owner})
    with serving(bound) as url:
        yield url


class JsonHandler(BaseHTTPRequestHandler):
    """A handler that answers JSON, as Google's REST APIs do, and logs nothing."""

    def _reply(self, code: int, payload: dict) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


def google_error(code: int, status: str, message: str, details: list | None = None) -> dict:
    error = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}
