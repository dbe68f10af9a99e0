"""Runs the daily job in this process, on a Spark session kept warm between ticks."""

from __future__ import annotations

import datetime as dt
import functools
import threading

from jobs import pipeline
from jobs.config import Settings

# One job at a time per process, like one batch per day in the cloud.
_RUN_LOCK = threading.Lock()


class LocalRunner:
    def __init__(self, settings: Settings):
        self.settings = settings
        # Made on the first start and kept: the function keeps its runner for the life of
        # its process, and with it one Spark session, warm from one tick to the next.
        self._context: pipeline.Context | None = None

    def start(self, day: dt.date) -> dict:
        with _RUN_LOCK:
            if self._context is None:
                self._context = _new_context(self.settings)
            outcome = pipeline.daily(self._context, max_days=1, only=day)
        result = {
            "status": "processed"
            if outcome.committed
            else "failed"
            if outcome.failed
            else "skipped",
            "business_date": day.isoformat(),
            "run_id": outcome.run_id,
            "message": outcome.line(),
        }
        if outcome.day_figures:
            figures = outcome.day_figures[0]
            result.update(
                rows_in=figures.rows_in,
                rows_rejected=figures.rows_rejected,
                rows_read=figures.rows_read,
            )
        return result


def from_settings(settings: Settings) -> LocalRunner:
    return LocalRunner(settings)


def _new_context(settings: Settings) -> pipeline.Context:
    from jobs import spark

    return pipeline.context_for(settings, functools.partial(spark.session, settings))
