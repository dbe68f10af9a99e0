"""The local Cloud Scheduler: serve the trigger function and tick it until nothing is pending.

The function runs under functions-framework on 127.0.0.1, exactly as deployed;
each tick is a POST shaped like Cloud Scheduler's (its user agent, a bearer
token header, an empty JSON object). The function's process keeps one Spark
session warm across ticks, as a long-lived worker would.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from jobs.config import REPO_ROOT, Settings

log = logging.getLogger(__name__)

FINAL = {"up_to_date", "waiting", "failed", "bad_request"}


def run(settings: Settings, max_ticks: int = 1000) -> int:
    pending = _pending_days(settings)
    with serve_function(settings) as url:
        for number in range(1, max_ticks + 1):
            started = time.monotonic()
            code, reply = send_tick(url)
            seconds = time.monotonic() - started
            print(
                f"tick {number}/{pending}: HTTP {code} {_describe(reply)} ({seconds:.1f} s)",
                flush=True,
            )
            if reply.get("status") in FINAL:
                return 1 if reply.get("status") in {"failed", "bad_request"} else 0
    print(f"simulate: stopped after {max_ticks} ticks with days still pending")
    return 1


def send_tick(url: str, body: bytes = b"{}", timeout: float = 600) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Google-Cloud-Scheduler",
            # Cloud Scheduler sends an OIDC token; locally nothing verifies it.
            "Authorization": "Bearer local-simulation",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        try:
            return exc.code, json.loads(text or "{}")
        except json.JSONDecodeError:
            return exc.code, {"status": "failed", "error": text[:500]}


@contextlib.contextmanager
def serve_function(
    settings: Settings, environ: dict[str, str] | None = None, output: IO | None = None
) -> Iterator[str]:
    """functions-framework serving functions/main.py:tick on a free local port.

    `environ` replaces this process's environment for the server (tests pass the
    variables the deployed function gets); `output` takes its stdout and stderr.
    """
    env = {
        **(os.environ if environ is None else environ),
        "TICKETS_ENV": settings.name,
        "PYTHONPATH": str(REPO_ROOT),
    }
    source = REPO_ROOT / "functions" / "main.py"
    with functions_server(sys.executable, source, env, output) as url:
        yield url


@contextlib.contextmanager
def functions_server(
    python: str, source: Path, env: dict[str, str], output: IO | None = None
) -> Iterator[str]:
    """`python -m functions_framework` serving `source`'s `tick` on 127.0.0.1, from its folder.

    Yields the URL once the server listens; stops it at the end of the block.
    """
    port = _free_port()
    server = subprocess.Popen(
        [
            python, "-m", "functions_framework",
            "--target", "tick",
            "--source", str(source),
            "--host", "127.0.0.1",
            "--port", str(port),
        ],
        env=env,
        cwd=source.parent,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_listening(port, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_listening(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the function server exited with code {server.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the function server did not listen on port {port} within {timeout} s")


def _pending_days(settings: Settings) -> int:
    """How many ticks should process a day: the progress count of the simulation."""
    from jobs import resources, state

    nxt = state.next_for(settings, resources.warehouse_for(settings).state())
    return state.pending_count(settings, nxt)


def _describe(reply: dict) -> str:
    status = reply.get("status", "?")
    if status == "processed":
        return (
            f"processed {reply['business_date']}: {reply.get('rows_in')} rows, "
            f"{reply.get('rows_rejected')} rejected, {reply.get('rows_read')} read"
        )
    if status == "waiting":
        return f"waiting for {reply['business_date']}"
    if status == "up_to_date":
        return f"up to date (last processed {reply.get('last_processed')})"
    return json.dumps(reply)
