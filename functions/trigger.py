"""What one scheduler tick does, independent of HTTP (docs/design.md).

Read the state; if nothing is pending, say so without starting anything; if the
next day's extract has not landed, say which day we wait for; otherwise start
the job for exactly that day. The runner makes a repeated tick harmless.

Every tick also compares the processed days' extracts with the files their runs
read, and logs a warning naming the days whose file was re-delivered since (a
log-based metric in the stack alerts on it). It reprocesses nothing: correcting
history is an operator's decision (`make replay FROM=<day>`).
"""

from __future__ import annotations

import logging

from functions.contract import CHANGED_EXTRACTS_EVENT
from functions.runners import Runner
from jobs import state
from jobs.config import Settings
from jobs.landing import Landing
from jobs.warehouse import Warehouse

log = logging.getLogger(__name__)


def tick(settings: Settings, warehouse: Warehouse, landing: Landing, runner: Runner) -> dict:
    rows = warehouse.state()
    changed = _report_changed(rows, landing)
    nxt = state.next_for(settings, rows)
    if nxt.up_to_date:
        result = {"status": "up_to_date", "last_processed": _iso(nxt.last_succeeded)}
    elif not landing.exists(nxt.day):
        result = {"status": "waiting", "business_date": nxt.day.isoformat()}
    else:
        result = runner.start(nxt.day)
    return {**result, "changed_days": changed} if changed else result


def _report_changed(rows, landing: Landing) -> list[str]:
    changed = state.changed_extracts(rows, landing.identities())
    if changed:
        days = [c.day.isoformat() for c in changed]
        log.warning(
            "%d processed day(s) have a re-delivered extract (%s); nothing was reprocessed: "
            "review them, then make replay FROM=%s",
            len(days), ", ".join(days[:10]) + (", ..." if len(days) > 10 else ""), days[0],
            extra={"event": CHANGED_EXTRACTS_EVENT, "changed_days": days},
        )  # fmt: skip
        return days
    return []


def _iso(day) -> str | None:
    return day.isoformat() if day else None
