"""A recording proxy per identity: every Google API call a component makes, as Google sees it.

Each identity of the deployment (the function, the batch runner, the operator,
the scheduler) gets a proxy on 127.0.0.1 of its own, and its component's clients
are pointed at that proxy instead of at the emulators (`BIGQUERY_EMULATOR_HOST`,
`STORAGE_EMULATOR_HOST`, `DATAPROC_API_ENDPOINT`, `CLOUD_QUOTAS_API_ENDPOINT`, or
the function's URL). The proxy forwards each request by its path to the server
behind it, unchanged, and records who sent what: the identity, the method and
path, the status, and the few request details a permission depends on
(rehearsal/permissions.py). That is the view the IAM contract checks, taken from
the wire rather than from the code.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from rehearsal.local_server import serving_for
from rehearsal.permissions import Call

# path prefix (a regular expression) -> service; the first that matches routes the request.
# Cloud Quotas' QuotaInfo names start like Dataproc's batches, so they come first.
SERVICES = tuple(
    (re.compile(prefix), service)
    for prefix, service in (
        ("/bigquery/", "bigquery"),
        ("/storage/", "storage"),
        ("/upload/storage/", "storage"),
        ("/download/storage/", "storage"),
        (r"/v1/projects/[^/]+/locations/[^/]+/services/[^/]+/quotaInfos(/|$)", "cloudquotas"),
        ("/v1/projects/", "dataproc"),
    )
)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host"}


class Recorder:
    """The calls of every proxy, in the order they were made (thread-safe)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def of(self, identity: str) -> list[Call]:
        return [c for c in self.calls if c.identity == identity]

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            for call in self.calls:
                out.write(json.dumps(call.__dict__, default=str) + "\n")

    @staticmethod
    def read(path: Path) -> list[Call]:
        """The calls a rehearsal wrote (calls.jsonl)."""
        lines = path.read_text(encoding="utf-8").splitlines()
        return [Call(**json.loads(line)) for line in lines if line.strip()]


class Proxy:
    """One identity's proxy: forwards to `upstreams[service]`, records every request.

    `component` names what is calling right now (the orchestrator sets it before it
    runs `make upload`, `make status`, ... as the same operator identity).
    `object_exists(bucket, name)` says whether an upload replaces an object.
    """

    def __init__(
        self,
        identity: str,
        component: str,
        upstreams: dict[str, str],
        recorder: Recorder,
        object_exists: Callable[[str, str], bool] = lambda bucket, name: False,
        run_service: str | None = None,
    ):
        self.identity, self.component = identity, component
        self.upstreams, self.recorder = upstreams, recorder
        self.object_exists, self.run_service = object_exists, run_service
        self.url = ""  # http://127.0.0.1:PORT while serving

    @contextlib.contextmanager
    def serving(self) -> Iterator[Proxy]:
        with serving_for(self, _Forward, "owner") as url:
            self.url = url
            yield self

    def service_of(self, path: str) -> str | None:
        if self.run_service is not None:
            return "run"  # the scheduler's proxy stands in front of the function only
        return next((service for prefix, service in SERVICES if prefix.match(path)), None)

    def details(self, service: str, method: str, url, body: bytes) -> dict:
        """What the permission of this request depends on."""
        if service == "run":
            return {"service": self.run_service}
        if service == "bigquery" and method == "POST" and body:
            return _json(body)
        if service == "dataproc" and method == "POST" and body:
            execution = _json(body).get("environmentConfig", {}).get("executionConfig", {})
            return {"service_account": execution.get("serviceAccount")}
        if service == "storage" and url.path.startswith("/upload/") and method == "POST":
            bucket = url.path.split("/")[5]
            name = parse_qs(url.query).get("name", [None])[0] or _multipart_name(body)
            return {"object": name, "replaces": bool(name) and self.object_exists(bucket, name)}
        return {}


class _Forward(BaseHTTPRequestHandler):
    owner: Proxy
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        owner = self.owner
        url = urlsplit(self.path)
        service = owner.service_of(url.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if service is None or service not in owner.upstreams:
            return self._send_error(url.path)
        details = owner.details(service, self.command, url, body)
        status, headers, data = _forward(
            owner.upstreams[service], self.command, self.path, self.headers, body
        )
        owner.recorder.add(
            Call(
                identity=owner.identity,
                component=owner.component,
                service=service,
                method=self.command,
                path=unquote(url.path),
                status=status,
                details=details,
            )
        )
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def _send_error(self, path: str) -> None:
        data = json.dumps({"error": f"the rehearsal has no server behind {path}"}).encode()
        self.send_response(502)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def _forward(upstream: str, method: str, path: str, headers, body: bytes):
    target = urlsplit(upstream)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=600)
    try:
        forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        connection.request(method, path, body=body or None, headers=forwarded)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _multipart_name(body: bytes) -> str | None:
    """The object name in a multipart upload's JSON metadata part."""
    for part in body.split(b"\r\n\r\n")[1:2]:
        metadata = _json(part.split(b"\r\n--", 1)[0])
        return metadata.get("name")
    return None
