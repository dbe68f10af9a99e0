"""Which landing, warehouse and runner an environment uses: the one place that wires them.

Each platform's implementations are modules named in `IMPLEMENTATIONS`, imported
only when an environment of that platform asks for one. Packaging reads the same
table (`modules`), so a cloud function's archive holds the cloud modules and not
the local ones (DuckDB, the in-process Spark runner). Each module builds its
implementation with a `from_settings(settings)` function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from jobs.config import Settings

if TYPE_CHECKING:
    from jobs.landing import Landing
    from jobs.runners import Runner
    from jobs.warehouse import Warehouse

IMPLEMENTATIONS = {
    "local": {
        "landing": "jobs.landing.local",
        "warehouse": "jobs.warehouse.duckdb",
        "runner": "jobs.runners.local",
    },
    "gcp": {
        "landing": "jobs.landing.gcs",
        "warehouse": "jobs.warehouse.bigquery",
        "runner": "jobs.runners.dataproc",
    },
}


def modules(platform: str) -> list[str]:
    """The modules that implement a platform's landing, warehouse and runner."""
    return list(IMPLEMENTATIONS[platform].values())


def landing_for(settings: Settings) -> Landing:
    return _build(settings, "landing")


def warehouse_for(settings: Settings) -> Warehouse:
    return _build(settings, "warehouse")


def runner_for(settings: Settings) -> Runner:
    """How the trigger function starts a day: in this process, or as a Dataproc batch."""
    return _build(settings, "runner")


def _build(settings: Settings, role: str):
    module = importlib.import_module(IMPLEMENTATIONS[settings.platform][role])
    return module.from_settings(settings)
