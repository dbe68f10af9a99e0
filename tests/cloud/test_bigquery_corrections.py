"""Re-delivered extracts on the BigQuery emulator (docs/design.md: "Replay").

The scenario of tests/e2e/test_corrections.py with the BigQuery warehouse: the world
loaded into BigQuery, one day's file corrected, the day flagged, `replay FROM=day`
committed as one BigQuery transaction, and every table then equal, row for row, to a
clean DuckDB run over the corrected files.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from jobs import pipeline, state
from jobs.landing.local import LocalLanding
from tests.cloud.conftest import fresh_cloud_settings, mounted
from tests.conftest import BACKFILL_TO, WORLD_END, WORLD_START, World
from tests.e2e.corrections import correct
from tests.e2e.tables import DATA_TABLES, warehouse_rows

pytestmark = [pytest.mark.spark, pytest.mark.e2e]
CORRECTED_DAY = dt.date(2025, 1, 10)


def context(settings, landing, spark) -> pipeline.Context:
    ctx = pipeline.context_for(settings, lambda: spark)
    return pipeline.Context(ctx.settings, landing, ctx.warehouse, spark)


def load(ctx: pipeline.Context) -> None:
    assert pipeline.backfill(ctx, WORLD_START, BACKFILL_TO).ok
    assert pipeline.daily(ctx, max_days=31).committed[-1] == WORLD_END


def test_a_corrected_day_replayed_in_bigquery_equals_a_clean_run(
    small_world: World, cloud_env, cloud_env_dir, spark, tmp_path
):
    # Spark reads a folder here: gs:// needs the connector Dataproc ships.
    folder = tmp_path / "landing"
    shutil.copytree(small_world.landing, folder)
    landing = LocalLanding(folder)
    cloud = context(mounted(spark, cloud_env, fresh_cloud_settings(cloud_env_dir)), landing, spark)
    load(cloud)

    correct(folder, CORRECTED_DAY, WORLD_END)
    flagged = state.changed_extracts(cloud.warehouse.state(), landing.identities())
    assert [c.day for c in flagged] == [CORRECTED_DAY]

    outcome = pipeline.replay(cloud, CORRECTED_DAY)
    assert outcome.ok and outcome.committed == state.days_between(CORRECTED_DAY, WORLD_END)
    assert state.changed_extracts(cloud.warehouse.state(), landing.identities()) == []

    clean = context(small_world.with_warehouse(tmp_path / "clean.duckdb", folder), landing, spark)
    load(clean)
    for name in DATA_TABLES:
        assert warehouse_rows(cloud.warehouse, name) == warehouse_rows(clean.warehouse, name), name
