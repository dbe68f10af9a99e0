"""How the trigger function starts the job for a day.

Locally the job runs in the function's own process on a warm Spark session
(`local.py`); in the cloud a Dataproc Serverless batch is submitted per day
(`dataproc.py`). Neither module is imported until an environment needs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from jobs.config import Settings


class Runner(Protocol):
    def start(self, day: dt.date) -> dict:
        """Start (or run) the daily job for `day`; returns what to tell the caller."""


def runner_for(settings: Settings) -> Runner:
    if settings.platform == "local":
        from jobs.runners.local import LocalRunner

        return LocalRunner(settings)
    if settings.platform == "gcp":
        from jobs.runners.dataproc import DataprocRunner

        return DataprocRunner(settings)
    raise NotImplementedError(f"environment {settings.name!r}: no runner for {settings.platform!r}")
