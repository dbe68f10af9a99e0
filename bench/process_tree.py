"""Peak resident memory of a process and all its descendants, sampled from /proc: of the
whole tree, and apart, of the process itself (a job's Python driver) and of its
descendants (Spark's driver JVM, which in local mode runs the executors too)."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            kids += [int(c) for c in task.read_text().split()]
    return kids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack += _children(pid)
    return total


@dataclass(frozen=True)
class Peaks:
    """Peak resident memory in MB, each its own maximum over the samples."""

    tree: int
    python: int  # the process started
    descendants: int  # everything it started: the JVM


def run_measured(
    command: list[str], env: dict, timeout: float
) -> tuple[float, Peaks, subprocess.CompletedProcess]:
    """Run a command; return wall seconds, its peak memory and the completed process."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = {"tree": 0, "python": 0, "descendants": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree, own = tree_rss_kb(process.pid), _rss_kb(process.pid)
            peak["tree"] = max(peak["tree"], tree)
            peak["python"] = max(peak["python"], own)
            peak["descendants"] = max(peak["descendants"], tree - own)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate(timeout=timeout)
    done.set()
    sampler.join()
    seconds = time.monotonic() - started
    completed = subprocess.CompletedProcess(command, process.returncode, output, "")
    return seconds, Peaks(**{k: v // 1024 for k, v in peak.items()}), completed
