"""Named crash points for the crash tests (DESIGN §5: a run killed anywhere changes nothing).

`TICKETS_KILL_AT=<point>` makes the process SIGKILL itself when it reaches that
point, with no chance to clean up, as a preempted VM or an OOM kill would.
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
        os.kill(os.getpid(), signal.SIGKILL)


def failing_statement(name: str) -> str | None:
    """A statement that fails with a recognisable error, when `name` is the chosen point."""
    if os.environ.get("TICKETS_FAIL_AT") == name:
        return f"SELECT ERROR('injected failure at {name}')"
    return None
