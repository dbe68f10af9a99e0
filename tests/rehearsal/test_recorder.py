"""The recording proxy forwards every request unchanged and records who made it."""

from __future__ import annotations

import json
import urllib.request
from http.server import BaseHTTPRequestHandler

from rehearsal.local_server import serving
from rehearsal.recorder import Proxy, Recorder


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        data = json.dumps({"path": self.path, "body": body.decode()}).encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_an_upload_is_forwarded_and_recorded_with_its_object_and_whether_it_replaces(tmp_path):
    multipart = (
        b"--b\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n"
        b'{"name": "tickets/dt=2025-01-01/t.csv"}\r\n--b\r\ncontent-type: text/csv\r\n\r\n'
        b"a,b\r\n--b--"
    )
    recorder = Recorder()
    existing = {("land", "tickets/dt=2025-01-01/t.csv")}
    with serving(_Echo) as upstream:
        proxy = Proxy(
            "operator", "make upload", {"storage": upstream}, recorder,
            lambda bucket, name: (bucket, name) in existing,
        )  # fmt: skip
        with proxy.serving():
            url = f"{proxy.url}/upload/storage/v1/b/land/o?uploadType=multipart"
            request = urllib.request.Request(url, data=multipart, method="POST")
            with urllib.request.urlopen(request) as response:
                assert response.status == 201
                echoed = json.loads(response.read())

    assert echoed["path"] == "/upload/storage/v1/b/land/o?uploadType=multipart"
    assert echoed["body"] == multipart.decode()
    [call] = recorder.calls
    assert (call.identity, call.component, call.service, call.method, call.status) == (
        "operator", "make upload", "storage", "POST", 201,
    )  # fmt: skip
    assert call.path == "/upload/storage/v1/b/land/o"
    assert call.details == {"object": "tickets/dt=2025-01-01/t.csv", "replaces": True}
