"""Named crash points for the crash tests (DESIGN §5: a run killed anywhere changes nothing).

`TICKETS_KILL_AT=<point>` makes the process SIGKILL itself when it reaches that
point, with no chance to clean up, as a preempted VM or an OOM kill would.
Unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal


def point(name: str) -> None:
    if os.environ.get("TICKETS_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
