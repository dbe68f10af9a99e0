"""Which landing and warehouse an environment uses: the one place that wires them."""

from __future__ import annotations

from jobs.config import Settings
from jobs.landing import Landing
from jobs.warehouse import Warehouse


def landing_for(settings: Settings) -> Landing:
    if settings.platform == "local":
        from jobs.landing.local import LocalLanding

        return LocalLanding(settings.local.landing)
    from jobs.landing.gcs import GcsLanding

    return GcsLanding(settings.gcp.landing_bucket, settings.gcp.project)


def warehouse_for(settings: Settings) -> Warehouse:
    if settings.platform == "local":
        from jobs.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(settings.local.warehouse)
    from jobs.warehouse.bigquery import BigQueryWarehouse

    return BigQueryWarehouse(settings.gcp)
