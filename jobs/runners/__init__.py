"""How the trigger function starts the job for a day.

Locally the job runs in the function's own process on a warm Spark session;
in the cloud a Dataproc Serverless batch is submitted (a later module).
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
    raise NotImplementedError(
        f"environment {settings.name!r}: the Dataproc Serverless runner is not built yet (issue 4)"
    )
