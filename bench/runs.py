"""What the bench's sections share: a workspace, jobs measured in a process of their own,
pipeline contexts on the local session, medians, and the figures' shape."""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.process_tree import Peaks, run_measured
from jobs.config import LocalSettings, Settings

Figure = tuple[str, str, str]  # what, value, note


class JobFailed(RuntimeError):
    """A measured job exited with an error; the message ends with its output."""


@dataclass
class Bench:
    settings: Settings  # env/local
    work: Path  # .local/bench: private copies, removed when the bench starts
    repeats: int
    peaks: list[int] = field(default_factory=list)  # every measured process tree, in MB

    def job(
        self,
        *command: str,
        landing: Path,
        warehouse: Path,
        module: str = "jobs",
        timeout: float = 900,
        env: dict[str, str] | None = None,
    ) -> tuple[float, Peaks]:
        """`python -m <module> <command>` on `landing` and `warehouse`: wall seconds and
        the peak resident memory of its process tree and its parts."""
        variables = {
            **os.environ,
            "TICKETS_LANDING": str(landing),
            "TICKETS_WAREHOUSE": str(warehouse),
            **(env or {}),
        }
        seconds, peaks, done = run_measured(
            [sys.executable, "-m", module, *command], variables, timeout
        )
        logs = self.work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{len(list(logs.iterdir())) + 1:03d}-{module}-{'-'.join(command)}.log"
        log.write_text(done.stdout, encoding="utf-8")
        if done.returncode != 0:
            lines = done.stdout.splitlines()
            cause = next((line for line in lines if "Error" in line or "Exception" in line), "")
            raise JobFailed(f"{cause.strip()[:200]} (exit {done.returncode}; {log})")
        self.peaks.append(peaks.tree)
        return seconds, peaks

    def context(self, landing: Path, warehouse: Path, settings: Settings | None = None):
        """A pipeline context on `landing` and `warehouse`, on this process's local session."""
        from jobs import pipeline, spark

        base = dataclasses.replace(
            settings or self.settings, local=LocalSettings(landing=landing, warehouse=warehouse)
        )
        return pipeline.context_for(base, lambda: spark.session(base))


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.monotonic()
    result = action()
    return time.monotonic() - started, result


def verdict(differences: list[str] | tuple[str, ...]) -> str:
    """A backfill's tables against the oracle's (tests/oracle/compare.py), in a few words."""
    if not differences:
        return "KPIs match the oracle"
    return f"{len(differences)} differ from the oracle, first {differences[0]}"


def median(repeats: int, action: Callable[[], object]) -> float:
    return statistics.median(timed(action)[0] for _ in range(repeats))
