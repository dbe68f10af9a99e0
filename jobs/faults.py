"""Named crash points for the crash tests (docs/design.md: a run killed anywhere changes nothing).

The points sit at a run's I/O seams: every call a run makes to the warehouse, the
landing and its staging goes through a `Seam`, which reaches the point
`<seam>.<method>` when the call returns (`staging.write:tables/fact_tickets` where the
call names what it writes), so the orchestration (jobs/pipeline.py) holds none. Inside
a warehouse's commit, which is one call, the warehouse names its own points
(`commit:<n>` statement by statement in DuckDB, the staging's loads in BigQuery).

`TICKETS_KILL_AT=<point>` makes the process SIGKILL itself when it reaches that
point, with no chance to clean up, as a preempted VM or an OOM kill would; a
process that leads its own process group kills the whole group (Spark's JVM too).
Unset, a point costs one dictionary lookup.

`TICKETS_PAUSE_AT=<point>` makes the process stop at that point until the file
`TICKETS_PAUSE_FILE`, which it writes there, is removed (at most PAUSE_SECONDS): a test
then breaks something outside the process, such as one of Spark's executors, at a
known moment of the run.

`TICKETS_FAIL_AT=commit:<n>` makes statement n of a commit fail inside the
warehouse itself. In BigQuery a commit is one script that runs on the server,
so a killed client proves nothing there; a failing statement proves that the
transaction leaves nothing behind.
"""

from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Collection
from pathlib import Path

PAUSE_SECONDS = 300


def point(name: str) -> None:
    if os.environ.get("TICKETS_PAUSE_AT") == name:
        _pause(name, Path(os.environ["TICKETS_PAUSE_FILE"]))
    if os.environ.get("TICKETS_KILL_AT") == name:
        if os.getpgid(0) == os.getpid():
            # A process-group leader (started with start_new_session) takes its whole
            # tree with it: Spark's JVM dies at the same instant, as on a lost VM.
            os.killpg(0, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


def _pause(name: str, marker: Path) -> None:
    marker.write_text(name, encoding="utf-8")
    deadline = time.monotonic() + PAUSE_SECONDS
    while marker.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"paused at {name} for {PAUSE_SECONDS} s: {marker} is still there")
        time.sleep(0.1)


def failing_statement(name: str) -> str | None:
    """A statement that fails with a recognisable error, when `name` is the chosen point."""
    if os.environ.get("TICKETS_FAIL_AT") == name:
        return f"SELECT ERROR('injected failure at {name}')"
    return None


class Seam:
    """`inner` with each call of `calls` (default: every public method) a fault point,
    reached when the call returns. With `named`, a call's first string argument (the
    layer or table it writes or reads) is part of the point's name. Everything else is
    `inner`'s own."""

    def __init__(
        self, name: str, inner: object, calls: Collection[str] | None = None, named: bool = False
    ):
        self._seam, self._inner, self._calls, self._named = name, inner, calls, named

    def __getattr__(self, attribute: str):
        value = getattr(self._inner, attribute)
        if attribute.startswith("_") or not callable(value):
            return value
        if self._calls is not None and attribute not in self._calls:
            return value
        where = f"{self._seam}.{attribute}"

        @functools.wraps(value)
        def call(*args, **kwargs):
            result = value(*args, **kwargs)
            label = next((a for a in args if isinstance(a, str)), None) if self._named else None
            point(where if label is None else f"{where}:{label}")
            return result

        return call


def seam(name: str, inner: object, calls: Collection[str] | None = None, named: bool = False):
    """`inner` as a Seam, once: a Seam given again is returned as it is."""
    return inner if isinstance(inner, Seam) else Seam(name, inner, calls, named)


def unwrapped(value: object) -> object:
    """What a Seam stands for (anything else is itself)."""
    return value._inner if isinstance(value, Seam) else value
