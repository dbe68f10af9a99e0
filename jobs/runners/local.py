"""Runs the daily job in this process, on a Spark session kept warm between ticks."""

from __future__ import annotations

import datetime as dt
import threading

from jobs import pipeline, report_text, resources
from jobs.config import Settings

# One job at a time per process, like one batch per day in the cloud.
_RUN_LOCK = threading.Lock()


class LocalRunner:
    def __init__(self, settings: Settings):
        self.settings = settings

    def start(self, day: dt.date) -> dict:
        with _RUN_LOCK:
            outcome = pipeline.daily(_context(self.settings), max_days=1, only=day)
        result = {
            "status": "processed"
            if outcome.committed
            else "failed"
            if outcome.failed
            else "skipped",
            "business_date": day.isoformat(),
            "run_id": outcome.run_id,
            "message": report_text.outcome_line(outcome),
        }
        if outcome.day_figures:
            figures = outcome.day_figures[0]
            result.update({k: figures[k] for k in ("rows_in", "rows_rejected", "rows_read")})
        return result


_CONTEXTS: dict[str, pipeline.Context] = {}


def _context(settings: Settings) -> pipeline.Context:
    """One context (and Spark session) per environment for the life of the process."""
    if settings.name not in _CONTEXTS:
        _CONTEXTS[settings.name] = _new_context(settings)
    return _CONTEXTS[settings.name]


def _new_context(settings: Settings) -> pipeline.Context:
    from jobs import spark

    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return pipeline.Context(
        settings=settings,
        landing=resources.landing_for(settings),
        warehouse=warehouse,
        spark=spark.session(settings),
    )
