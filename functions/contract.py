"""The trigger function's contract: what a tick may carry, what Scheduler sends, and the
log event the stack's alerting counts.

Only POST, with an empty body or a JSON object of documented fields (`FIELDS`).
Cloud Scheduler's job (infra/orchestration.py) and `make daily` (workstation/tick.py)
send `SCHEDULER_BODY`; functions/main.py refuses anything else with a 4xx naming the
problem. Standard library only: infra imports it to declare the Scheduler job and the
log-based metric.
"""

from __future__ import annotations

import json

METHOD = "POST"
# The documented fields of a tick's body: who sent it.
FIELDS = {"source": str}
SCHEDULER_BODY = {"source": "cloud-scheduler"}
MAX_BODY_BYTES = 16 * 1024
# The `event` of the warning a tick logs for re-delivered extracts (functions/trigger.py);
# infra/monitoring.py's log-based metric counts it.
CHANGED_EXTRACTS_EVENT = "changed_extracts"


def body_problem(body: str) -> str | None:
    """Why a tick's body is outside the contract, or None when it is inside."""
    if not body.strip():
        return None
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        return f"body is not JSON: {exc}"
    except RecursionError:
        return "body nests JSON too deeply"
    if not isinstance(payload, dict):
        return f"body must be a JSON object, not {type(payload).__name__}"
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        return (
            f"unknown field(s) {', '.join(unknown)}: a tick takes no arguments, it always "
            f"processes the next pending day (documented fields: {', '.join(FIELDS)})"
        )
    for name, kind in FIELDS.items():
        if name in payload and not isinstance(payload[name], kind):
            return f"field {name} must be a {kind.__name__}"
    return None
