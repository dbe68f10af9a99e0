"""Named crash points for the crash tests (docs/design.md: a run killed anywhere changes nothing).

`TICKETS_KILL_AT=<point>` makes the process SIGKILL itself when it reaches that
point, with no chance to clean up, as a preempted VM or an OOM kill would; a
process that leads its own process group kills the whole group (Spark's JVM too).
Unset, a point costs one dictionary lookup.

`TICKETS_FAIL_AT=commit:<n>` makes statement n of a commit fail inside the
warehouse itself. In BigQuery a commit is one script that runs on the server,
so a killed client proves nothing there; a failing statement proves that the
transaction leaves nothing behind.
"""

from __future__ import annotations

import os
import signal


def point(name: str) -> None:
    if os.environ.get("TICKETS_KILL_AT") == name:
        if os.getpgid(0) == os.getpid():
            # A process-group leader (started with start_new_session) takes its whole
            # tree with it: Spark's JVM dies at the same instant, as on a lost VM.
            os.killpg(0, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


def failing_statement(name: str) -> str | None:
    """A statement that fails with a recognisable error, when `name` is the chosen point."""
    if os.environ.get("TICKETS_FAIL_AT") == name:
        return f"SELECT ERROR('injected failure at {name}')"
    return None
