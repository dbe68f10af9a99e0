"""A Spark standalone cluster on 127.0.0.1, for tests: a master and workers, each a JVM.

`local[N]` runs every task in the driver's JVM, so it can never show what a real
cluster does: executors in JVMs of their own, with memory of their own, that can be
lost. The pinned PySpark wheel ships `bin/spark-class` but not `sbin/start-*.sh`
(https://spark.apache.org/docs/4.0.1/spark-standalone.html#starting-a-cluster-manually
names the classes it starts), so the master and each worker are started with it
directly, and stopped when the block ends. Each worker keeps its executors' logs in
its own folder (`<work dir>/app-*/<executor>/stderr`), which is how a test sees which
executor ran which tasks.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyspark

from jobs.spark import _ensure_java  # the same Java the job's own sessions use

START_SECONDS = 120


@dataclass(frozen=True)
class Cluster:
    url: str  # spark://127.0.0.1:<port>, a job's `master`
    ui: str  # the master's web UI, whose /json/ lists the workers
    work_dirs: tuple[Path, ...]  # one per worker: its executors' folders and logs

    def executor_logs(self, worker: int) -> list[Path]:
        """The stderr of every executor the worker has run, oldest app first."""
        return sorted(self.work_dirs[worker].glob("app-*/*/stderr"))

    def alive_workers(self) -> int:
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=10) as reply:
            state = json.load(reply)
        return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")


@contextlib.contextmanager
def standalone(
    root: Path, workers: int = 2, cores: int = 1, memory: str = "1g"
) -> Iterator[Cluster]:
    """A master and `workers` workers of `cores` cores and `memory` for executors each."""
    _ensure_java()
    root.mkdir(parents=True, exist_ok=True)
    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_NO_DAEMONIZE": "1"}
    port, ui_port = _free_port(), _free_port()
    cluster = Cluster(
        url=f"spark://127.0.0.1:{port}",
        ui=f"http://127.0.0.1:{ui_port}",
        work_dirs=tuple(root / f"worker-{n}" for n in range(workers)),
    )
    processes: list[subprocess.Popen] = []
    try:
        master = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                  "--port", str(port), "--webui-port", str(ui_port)]  # fmt: skip
        processes.append(_start(spark_class, master, root / "master.log", env))
        _wait(lambda: _answers(cluster.ui), "the master's web UI", root / "master.log")
        for n, work_dir in enumerate(cluster.work_dirs):
            work_dir.mkdir(parents=True)
            worker = ["org.apache.spark.deploy.worker.Worker", cluster.url, "--host", "127.0.0.1",
                      "--cores", str(cores), "--memory", memory, "--work-dir", str(work_dir),
                      "--webui-port", str(_free_port())]  # fmt: skip
            processes.append(_start(spark_class, worker, root / f"worker-{n}.log", env))
        _wait(lambda: cluster.alive_workers() == workers, f"{workers} workers", root)
        yield cluster
    finally:
        for process in reversed(processes):
            _stop(process)


def _start(spark_class: Path, args: list[str], log: Path, env: dict) -> subprocess.Popen:
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen(
            [str(spark_class), *args], stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,  # its own process group: stopped with its children
        )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait(ready, what: str, logs: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if ready():
                return
        time.sleep(0.5)
    raise RuntimeError(
        f"the standalone cluster did not start {what} in {START_SECONDS} s: see {logs}"
    )


def _answers(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/json/", timeout=5) as reply:
        return reply.status == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def executor_pids(cluster: Cluster, worker: int) -> list[int]:
    """The process ids of the executor JVMs the worker runs now (their working folder is
    in the worker's)."""
    found = []
    work_dir = cluster.work_dirs[worker].resolve()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = (proc / "cmdline").read_bytes()
            if b"CoarseGrainedExecutorBackend" in command and work_dir in (
                (proc / "cwd").resolve().parents
            ):
                found.append(int(proc.name))
    return found
