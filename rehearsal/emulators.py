"""Start and stop the local servers that stand in for BigQuery and Cloud Storage.

Both run as real server processes on 127.0.0.1 from their own virtual
environment (`make test` builds it with tools/emulators/setup.sh; its path comes
in `TICKETS_EMULATORS_VENV`). The official Google clients reach them through
`STORAGE_EMULATOR_HOST` and `BIGQUERY_EMULATOR_HOST`, as they would in any
emulator set-up.

The two share one disk: bqemulator resolves `gs://bucket/path` under
`BQEMU_GCS_LOCAL_ROOT`, and gcp-storage-emulator keeps objects under
`<data dir>/.cloudstorage/bucket/path`. Pointing the first at the second makes
a BigQuery load job read exactly the Parquet object the storage client
uploaded, as in the cloud.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jobs import config

VENV_VARIABLE = "TICKETS_EMULATORS_VENV"
DEFAULT_VENV = config.REPO_ROOT / ".venv-emulators"


class EmulatorsMissing(RuntimeError):
    """The emulators' environment has not been built."""


@dataclass(frozen=True)
class Emulators:
    storage_host: str  # http://127.0.0.1:PORT, the value of STORAGE_EMULATOR_HOST
    bigquery_host: str  # http://127.0.0.1:PORT, the value of BIGQUERY_EMULATOR_HOST
    storage_root: Path  # where the storage emulator keeps objects, per bucket

    def environment(self) -> dict[str, str]:
        return {
            "STORAGE_EMULATOR_HOST": self.storage_host,
            "BIGQUERY_EMULATOR_HOST": self.bigquery_host,
        }


def venv() -> Path:
    path = Path(os.environ.get(VENV_VARIABLE) or DEFAULT_VENV).resolve()
    if not (path / "bin" / "bqemulator").exists():
        raise EmulatorsMissing(
            f"no emulators at {path}: run `make test` (it builds them) or "
            f"`bash tools/emulators/setup.sh {path}`"
        )
    return path


@contextlib.contextmanager
def running(data_dir: Path, project: str) -> Iterator[Emulators]:
    """Both servers, up and answering, for the duration of the block."""
    env_path = venv()
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    storage_port, rest_port, grpc_port = _free_ports(3)
    storage_root = data_dir / "gcs" / ".cloudstorage"
    storage = _start(
        [
            str(env_path / "bin" / "gcp-storage-emulator"),
            "--data-dir",
            str(data_dir / "gcs"),
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(storage_port),
        ],
        logs / "storage.log",
        env={},
    )
    try:
        storage_host = f"http://127.0.0.1:{storage_port}"
        _wait_for(f"{storage_host}/storage/v1/b", storage, logs / "storage.log")
        bigquery = _start(
            [
                str(env_path / "bin" / "bqemulator"),
                "start",
                "--rest-port",
                str(rest_port),
                "--grpc-port",
                str(grpc_port),
                "--project",
                project,
                "--log-level",
                "warning",
            ],
            logs / "bigquery.log",
            env={"HOME": str(env_path / "home"), "BQEMU_GCS_LOCAL_ROOT": str(storage_root)},
        )
        try:
            bigquery_host = f"http://127.0.0.1:{rest_port}"
            _wait_for(
                f"{bigquery_host}/bigquery/v2/projects/{project}/datasets",
                bigquery,
                logs / "bigquery.log",
            )
            yield Emulators(storage_host, bigquery_host, storage_root)
        finally:
            _stop(bigquery)
    finally:
        _stop(storage)


def _start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            start_new_session=True,
        )


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{_tail(log)}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=2),
        ):
            return
        time.sleep(0.2)
    _stop(process)
    raise RuntimeError(
        f"{process.args[0]} did not answer {url} in {timeout_s:.0f} s:\n{_tail(log)}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
