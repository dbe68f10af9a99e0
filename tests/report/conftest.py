"""A small hand-made warehouse for the report tests: a few days of KPI rows, no Spark."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from jobs import config
from jobs.warehouse.duckdb import DuckDBWarehouse

FIRST_DAY = dt.date(2025, 3, 3)  # a Monday
DAYS = 10
AGENTS = ("A001", "A002", "A003")


def twenty_days(base: config.Settings, backfilled: int) -> config.Settings:
    """`base` simulating the 20 days from FIRST_DAY, the first `backfilled` by the backfill."""
    sim = dataclasses.replace(
        base.simulation,
        end=FIRST_DAY + dt.timedelta(days=19),
        backfill_to=FIRST_DAY + dt.timedelta(days=backfilled - 1),
    )
    return dataclasses.replace(
        base, processing=config.ProcessingSettings(start=FIRST_DAY), simulation=sim
    )


@pytest.fixture(scope="session")
def settings() -> config.Settings:
    """The local settings with a 20-day window starting at FIRST_DAY."""
    return twenty_days(config.load("local"), backfilled=5)


def insert(path: Path, rows_by_table: dict[str, list[dict]]) -> None:
    """Insert rows (dicts keyed by column name) with DuckDB directly, in one connection."""
    con = duckdb.connect(str(path))
    try:
        for table, rows in rows_by_table.items():
            for row in rows:
                names = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))
    finally:
        con.close()


def execute(path: Path, sql: str, params: list | None = None) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql, params or [])
    finally:
        con.close()


def kpi_rows(day_index: int) -> dict[str, list[dict]]:
    """One day's hand-made KPI rows: a backlog that grows by 20 a day."""
    day = FIRST_DAY + dt.timedelta(days=day_index)
    created, solved = 120 + 5 * day_index, 100 + 3 * day_index
    open_eod = 300 + 20 * day_index
    ages = [open_eod // 2, open_eod // 4, open_eod // 8, open_eod // 16, open_eod // 32]
    ages.append(open_eod - sum(ages))
    breach = 6.0 + 1.5 * day_index  # crosses the 10 % target on the 4th day
    started = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2, 30), tzinfo=dt.UTC)
    return {
        "features_daily": [
            dict(
                business_date=day,
                tickets_created=created,
                tickets_solved=solved,
                tickets_reopened=day_index % 3,
                tat_avg_hours=20.0 + day_index,
                tat_p50_hours=12.0 + day_index / 2,
                tat_p90_hours=48.0 + day_index,
                first_response_avg_minutes=90.0,
                sla_breach_pct=breach,
            )
        ],
        "backlog_daily": [
            dict(
                business_date=day,
                open_eod=open_eod,
                open_urgent=5,
                open_high=40,
                open_normal=open_eod - 95,
                open_low=50,
                entered_backlog=created,
                left_backlog=created - 20,
                age_0_1d=ages[0],
                age_1_3d=ages[1],
                age_3_7d=ages[2],
                age_7_14d=ages[3],
                age_14_30d=ages[4],
                age_30d_plus=ages[5],
                open_past_due=10 + day_index,
            )
        ],
        "daily_agent_load": [
            dict(
                business_date=day,
                agent_id=agent,
                tickets_touched=30 + i,
                tickets_solved=10 + i,
                open_assigned_eod=(i + 1) * 10 + day_index,
                tat_avg_hours=15.0 + i,
                sla_breaches=i,
            )
            for i, agent in enumerate(AGENTS)
        ],
        "daily_ops_metrics": [
            dict(
                business_date=day,
                tickets_created=created,
                tickets_solved=solved,
                open_eod=open_eod,
                sla_compliance_pct=100 - breach,
                tat_p50_hours=12.0 + day_index / 2,
                csat_avg=4.2,
                reopen_rate=0.03,
                active_agents=len(AGENTS),
                rows_ingested=400 + 10 * day_index,
                rows_rejected=2 + day_index % 4,
            )
        ],
        # One ticket created each day: open for two days, then solved.
        "fact_tickets_history": [
            dict(
                ticket_id=f"T{day_index}",
                valid_from=valid_from,
                valid_to=valid_to,
                created_at=started - dt.timedelta(hours=12),
                updated_at=started - dt.timedelta(hours=12) + dt.timedelta(days=offset),
                status=status,
                priority="normal",
                created_date=day,
                is_open=status == "open",
                sla_due_at=started + dt.timedelta(hours=60),
                run_id=f"run-{day_index}",
            )
            for offset, valid_from, valid_to, status in (
                (0, day, day + dt.timedelta(days=1), "open"),
                (2, day + dt.timedelta(days=2), None, "solved"),
            )
        ],
        "ingestion_state": [
            dict(
                business_date=day,
                status="succeeded",
                mode="backfill" if day_index < 5 else "daily",
                run_id=f"run-{day_index}",
                attempt=1,
                started_at=started,
                finished_at=started + dt.timedelta(seconds=7),
                rows_in=400 + 10 * day_index,
                rows_rejected=2 + day_index % 4,
                rows_upserted=390,
                rows_read=400 + 10 * day_index if day_index < 5 else 900 + 20 * day_index,
                batch_id=None,
                error=None,
            )
        ],
    }


@pytest.fixture
def small_warehouse(tmp_path) -> DuckDBWarehouse:
    """DAYS days of KPI rows from FIRST_DAY, with one failed attempt on the 7th day."""
    path = tmp_path / "warehouse.duckdb"
    warehouse = DuckDBWarehouse(path)
    warehouse.ensure_tables()
    tables: dict[str, list[dict]] = {}
    for i in range(DAYS):
        for table, rows in kpi_rows(i).items():
            tables.setdefault(table, []).extend(rows)
    failed_day = FIRST_DAY + dt.timedelta(days=6)
    for row in tables["ingestion_state"]:
        if row["business_date"] == failed_day:
            row["attempt"] = 2  # the retry that succeeded
    tables["ingestion_state"].append(
        dict(
            business_date=failed_day,
            status="failed",
            mode="daily",
            run_id="run-6-first",
            attempt=1,
            started_at=dt.datetime(2025, 3, 10, 2, 30, tzinfo=dt.UTC),
            finished_at=dt.datetime(2025, 3, 10, 2, 31, tzinfo=dt.UTC),
            error="extract header unreadable",
        )
    )
    insert(path, tables)
    return warehouse
