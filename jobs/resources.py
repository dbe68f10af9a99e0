"""Which landing and warehouse an environment uses: the one place that wires them.

Each platform's implementations are modules named in `IMPLEMENTATIONS`, imported
only when an environment of that platform asks for one. Packaging reads the same
table (`modules`), so a cloud function's archive holds the cloud modules and not
DuckDB. Each module builds its implementation with a `from_settings(settings)`
function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from jobs.config import Settings

if TYPE_CHECKING:
    from jobs.landing import Landing
    from jobs.warehouse import Warehouse

IMPLEMENTATIONS = {
    "local": {"landing": "jobs.landing.local", "warehouse": "jobs.warehouse.duckdb"},
    "gcp": {"landing": "jobs.landing.gcs", "warehouse": "jobs.warehouse.bigquery"},
}


def modules(platform: str) -> list[str]:
    """The modules that implement a platform's landing and warehouse."""
    return list(IMPLEMENTATIONS[platform].values())


def landing_for(settings: Settings) -> Landing:
    return _build(settings, "landing")


def warehouse_for(settings: Settings) -> Warehouse:
    return _build(settings, "warehouse")


def _build(settings: Settings, role: str):
    module = importlib.import_module(IMPLEMENTATIONS[settings.platform][role])
    return module.from_settings(settings)
