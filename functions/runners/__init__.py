"""How the trigger function starts the job for a day.

Locally the job runs in the function's own process on a warm Spark session
(`local.py`); in the cloud a Dataproc Serverless batch is submitted per day
(`dataproc.py`). Each is named here and imported only when an environment of its
platform asks for it, so a cloud function's archive holds no local runner
(tools/package.py reads `RUNNERS`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Protocol

from jobs.config import Settings

RUNNERS = {"local": "functions.runners.local", "gcp": "functions.runners.dataproc"}


class Runner(Protocol):
    def start(self, day: dt.date) -> dict:
        """Start (or run) the daily job for `day`; returns what to tell the caller."""


def runner_for(settings: Settings) -> Runner:
    return importlib.import_module(RUNNERS[settings.platform]).from_settings(settings)
