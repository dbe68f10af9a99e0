"""How the trigger function starts the job for a day.

Locally the job runs in the function's own process on a warm Spark session
(`local.py`); in the cloud a Dataproc Serverless batch is submitted per day
(`dataproc.py`). `jobs.resources.runner_for` picks one; neither module is
imported until an environment needs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Runner(Protocol):
    def start(self, day: dt.date) -> dict:
        """Start (or run) the daily job for `day`; returns what to tell the caller."""
