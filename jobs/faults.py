"""Named crash points for the crash tests (docs/design.md: a run killed anywhere changes nothing).

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

import os
import signal
import time
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
