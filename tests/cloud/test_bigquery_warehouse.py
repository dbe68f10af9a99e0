"""The BigQuery warehouse against the BigQuery emulator, driven by the official client.

The headline: the same small pipeline (a backfill, then daily runs over days
with defective rows) run once into DuckDB and once into BigQuery gives the
same tables, row for row. Then the commit's promises on BigQuery: a failure
between any two statements leaves nothing behind, and a repeated commit of a
day is refused and changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa
import pytest

from jobs import pipeline, resources, schemas, staging
from jobs.warehouse import AlreadyCommitted
from jobs.warehouse.bigquery import BigQueryWarehouse, SchemaMismatch
from jobs.warehouse.statements import commit_statements
from tests.cloud.conftest import fresh_cloud_settings, mounted
from tests.conftest import BACKFILL_TO, WORLD_END, WORLD_START, World
from tests.e2e.tables import warehouse_rows

pytestmark = [pytest.mark.spark, pytest.mark.e2e]
ALL_TABLES = list(schemas.tables())
DAYS = (WORLD_END - WORLD_START).days + 1


def snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every row of every table through the Warehouse interface, without run columns."""
    return {name: warehouse_rows(warehouse, name) for name in ALL_TABLES}


def _context(settings, landing, spark) -> pipeline.Context:
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return pipeline.Context(settings=settings, landing=landing, warehouse=warehouse, spark=spark)


def _backfill_then_daily(ctx: pipeline.Context) -> None:
    assert pipeline.backfill(ctx, WORLD_START, BACKFILL_TO).ok
    outcome = pipeline.daily(ctx, max_days=DAYS)
    assert outcome.ok and outcome.committed[-1] == WORLD_END


@pytest.fixture(scope="module")
def both(small_world: World, cloud_env, cloud_env_dir, spark, tmp_path_factory):
    """The same extracts loaded into DuckDB and into BigQuery."""
    from jobs.landing.local import LocalLanding

    # Spark reads the extracts from a folder in both runs: reading gs:// needs the
    # Cloud Storage connector that Dataproc ships and this machine cannot fetch.
    landing = LocalLanding(small_world.landing)
    duck_settings = small_world.with_warehouse(tmp_path_factory.mktemp("duck") / "w.duckdb")
    duck = _context(duck_settings, landing, spark)
    _backfill_then_daily(duck)
    cloud = _context(mounted(spark, cloud_env, fresh_cloud_settings(cloud_env_dir)), landing, spark)
    _backfill_then_daily(cloud)
    return duck, cloud


def test_bigquery_and_duckdb_hold_the_same_tables_row_for_row(both):
    duck, cloud = both
    expected, actual = snapshot(duck.warehouse), snapshot(cloud.warehouse)
    assert sum(len(rows) for rows in expected.values()) > 1000  # a real comparison
    assert expected["tickets_rejected"], "the world has defective rows"
    for name in ALL_TABLES:
        assert actual[name] == expected[name], name


def test_state_in_bigquery_says_every_day_succeeded_once(both):
    _, cloud = both
    state = cloud.warehouse.state()
    succeeded = [r for r in state.to_pylist() if r["status"] == "succeeded"]
    assert sorted(r["business_date"] for r in succeeded) == [
        WORLD_START + dt.timedelta(days=i) for i in range(DAYS)
    ]
    assert all(r["rows_in"] == r["rows_read"] or r["rows_read"] > r["rows_in"] for r in succeeded)


def test_a_failure_between_any_two_statements_leaves_nothing_behind(
    both, cloud_env, cloud_env_dir, small_world: World, spark, monkeypatch
):
    """Every commit statement in turn fails inside the transaction; the tables stay as
    they were and the day is recorded as failed; then the day commits normally."""
    from jobs.landing.local import LocalLanding

    settings = mounted(spark, cloud_env, fresh_cloud_settings(cloud_env_dir))
    ctx = _context(settings, LocalLanding(small_world.landing), spark)
    assert pipeline.backfill(ctx, WORLD_START, WORLD_START + dt.timedelta(days=1)).ok
    before = snapshot(ctx.warehouse)
    statements = len(commit_statements(str, replaces=False))
    for number in (0, 1, statements // 2, statements - 2, statements - 1):
        monkeypatch.setenv("TICKETS_FAIL_AT", f"commit:{number}")
        outcome = pipeline.daily(ctx, max_days=1)
        assert outcome.failed and "injected failure" in outcome.failed[1], number
        now = snapshot(ctx.warehouse)
        for name in ALL_TABLES:
            if name != "ingestion_state":
                assert now[name] == before[name], (number, name)
    monkeypatch.delenv("TICKETS_FAIL_AT")
    assert pipeline.daily(ctx, max_days=1).committed == [WORLD_START + dt.timedelta(days=2)]
    failed = [r for r in ctx.warehouse.state().to_pylist() if r["status"] == "failed"]
    assert len(failed) == 5


def test_a_repeated_commit_of_a_day_is_refused_and_changes_nothing(
    cloud_env, cloud_env_dir, small_world: World, spark, monkeypatch
):
    from jobs.landing.local import LocalLanding

    settings = mounted(spark, cloud_env, fresh_cloud_settings(cloud_env_dir))
    ctx = _context(settings, LocalLanding(small_world.landing), spark)
    captured = []
    original = BigQueryWarehouse.commit

    def keep(self, commit):
        captured.append(commit)
        return original(self, commit)

    monkeypatch.setattr(BigQueryWarehouse, "commit", keep)
    monkeypatch.setattr(staging.RunStaging, "remove", lambda self: None)  # files kept
    assert pipeline.daily(ctx, max_days=1).committed == [WORLD_START]
    before = snapshot(ctx.warehouse)
    with pytest.raises(AlreadyCommitted, match=str(WORLD_START)):
        original(ctx.warehouse, captured[0])
    assert snapshot(ctx.warehouse) == before


def test_a_table_that_drifted_from_schemas_is_reported(cloud_env, cloud_env_dir):
    from google.cloud import bigquery

    settings = fresh_cloud_settings(cloud_env_dir)
    warehouse = BigQueryWarehouse(settings.gcp)
    warehouse.ensure_tables()
    warehouse.ensure_tables()  # a second time only verifies
    table = f"{warehouse.dataset}.backlog_daily"
    warehouse.client.delete_table(table)
    drifted = [
        bigquery.SchemaField("business_date", "DATE"),
        bigquery.SchemaField("open_eod", "STRING"),
    ]
    warehouse.client.create_table(bigquery.Table(table, schema=drifted))
    with pytest.raises(SchemaMismatch, match="backlog_daily"):
        warehouse.ensure_tables()


def test_tables_are_created_partitioned_and_clustered_as_declared(cloud_env, cloud_env_dir):
    settings = fresh_cloud_settings(cloud_env_dir)
    warehouse = BigQueryWarehouse(dataclasses.replace(settings).gcp)
    warehouse.ensure_tables()
    for spec in schemas.tables().values():
        table = warehouse.client.get_table(f"{warehouse.dataset}.{spec.name}")
        assert [f.name for f in table.schema] == spec.column_names
        assert table.time_partitioning.field == spec.partition_field
        assert tuple(table.clustering_fields or ()) == spec.clustering
    state = warehouse.state()
    assert state.num_rows == 0 and isinstance(state, pa.Table)
