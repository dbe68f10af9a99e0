"""What one scheduler tick does, independent of HTTP (docs/design.md).

Read the state; if nothing is pending, say so without starting anything; if the
next day's extract has not landed, say which day we wait for; otherwise start
the job for exactly that day. The runner makes a repeated tick harmless.
"""

from __future__ import annotations

from functions.runners import Runner
from jobs import state
from jobs.config import Settings
from jobs.landing import Landing
from jobs.warehouse import Warehouse


def tick(settings: Settings, warehouse: Warehouse, landing: Landing, runner: Runner) -> dict:
    nxt = state.next_for(settings, warehouse.state())
    if nxt.up_to_date:
        return {"status": "up_to_date", "last_processed": _iso(nxt.last_succeeded)}
    if not landing.exists(nxt.day):
        return {"status": "waiting", "business_date": nxt.day.isoformat()}
    return runner.start(nxt.day)


def _iso(day) -> str | None:
    return day.isoformat() if day else None
