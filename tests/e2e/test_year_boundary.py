"""A real environment has no last day: Jan 1 is an ordinary day, and the state crosses it.

Four hand-written extracts, Dec 30 2025 to Jan 2 2026, in an environment with a
processing start and no end (no [simulation]), the way dev and prod run. The
backfill loads 2025's two days; daily runs take 2026's, each reading the prior
state the year before left. Expected values are worked out by hand below.

Business time zone Asia/Kolkata (UTC+05:30): day D runs from (D-1)T18:30Z to DT18:30Z.
Resolution target normal 72 h.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from jobs import pipeline, resources, state
from jobs.landing import extract_key
from jobs.schemas import SOURCE_COLUMNS
from tests.e2e.tables import rows
from tests.envs import write_env

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

DEC30, DEC31 = dt.date(2025, 12, 30), dt.date(2025, 12, 31)
JAN1, JAN2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)


def ticket(ticket_id, created_at, updated_at, status, **more) -> dict:
    row = dict.fromkeys(SOURCE_COLUMNS, "")
    row.update(
        ticket_id=ticket_id, created_at=created_at, updated_at=updated_at, status=status,
        priority="normal", category="billing", channel="email", team="tier1", agent_id="A1",
        customer_id="C1", customer_tier="standard", subject="year end", reopen_count="0",
    )  # fmt: skip
    row.update(more)
    return row


EXTRACTS = {
    # T1 opens on Dec 30 at 10:00 IST and stays open.
    DEC30: [ticket("T1", "2025-12-30T04:30:00Z", "2025-12-30T04:30:00Z", "new")],
    # T2 opens on Dec 31 at 23:00 IST, an hour before the year ends in Kolkata.
    DEC31: [ticket("T2", "2025-12-31T17:30:00Z", "2025-12-31T17:30:00Z", "open")],
    # Jan 1: T1 waits on the customer (still open); T2 is solved at 10:00 IST, 11 h after it
    # opened, across the new year.
    JAN1: [
        ticket("T1", "2025-12-30T04:30:00Z", "2026-01-01T06:00:00Z", "pending"),
        ticket(
            "T2",
            "2025-12-31T17:30:00Z",
            "2026-01-01T04:30:00Z",
            "solved",
            solved_at="2026-01-01T04:30:00Z",
            first_response_at="2026-01-01T03:30:00Z",
        ),
    ],
    # Jan 2: T3 opens at 09:00 IST.
    JAN2: [ticket("T3", "2026-01-02T03:30:00Z", "2026-01-02T03:30:00Z", "new")],
}


@pytest.fixture(scope="module")
def crossed(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("year")
    settings = write_env(
        root / "env",
        "yearly",
        "local",
        {
            'start = "2025-01-01"': 'start = "2025-12-30"',
            'landing = ".local/landing"': f'landing = "{root / "landing"}"',
            'warehouse = ".local/warehouse.duckdb"': f'warehouse = "{root / "w.duckdb"}"',
        },
        drop_section="simulation",
    )
    for day, extract in EXTRACTS.items():
        path = root / "landing" / extract_key(day)
        path.parent.mkdir(parents=True)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=SOURCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(extract)
        path.write_text(out.getvalue(), encoding="utf-8")
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    ctx = pipeline.Context(settings, resources.landing_for(settings), warehouse, spark=spark)
    backfill = pipeline.backfill(ctx, DEC30, DEC31)
    daily = pipeline.daily(ctx, max_days=5)
    return settings, root / "w.duckdb", backfill, daily


def test_the_days_of_the_new_year_follow_the_old_one_and_wait_for_the_next(crossed):
    settings, _, backfill, daily = crossed
    assert settings.simulation is None  # a real environment: no last day
    assert backfill.committed == [DEC30, DEC31]
    assert daily.committed == [JAN1, JAN2]
    # Jan 3 has ended (today is later) but its extract has not landed: the run waits.
    assert daily.waiting_for == dt.date(2026, 1, 3)
    assert state.last_day(settings) >= dt.date(2026, 1, 3)


def test_the_backlog_carries_across_the_new_year(crossed):
    _, path, _, _ = crossed
    got = rows(
        path,
        "SELECT business_date, open_eod, entered_backlog, left_backlog, age_0_1d, age_1_3d, "
        "age_3_7d FROM backlog_daily ORDER BY business_date",
    )
    # end(Dec 30) = Dec 31 00:00 IST: T1 is 14 h old. end(Dec 31): T1 38 h, T2 1 h.
    # end(Jan 1): T2 solved, T1 62 h. end(Jan 2): T1 86 h (3.6 days), T3 15 h.
    assert got == [
        (DEC30, 1, 1, 0, 1, 0, 0),
        (DEC31, 2, 1, 0, 1, 1, 0),
        (JAN1, 1, 0, 1, 0, 1, 0),
        (JAN2, 2, 1, 0, 1, 0, 1),
    ]


def test_a_ticket_solved_in_the_new_year_counts_its_whole_turnaround(crossed):
    _, path, _, _ = crossed
    features = rows(
        path,
        "SELECT business_date, tickets_created, tickets_solved, tat_avg_hours, sla_breach_pct "
        "FROM features_daily ORDER BY business_date",
    )
    assert features == [
        (DEC30, 1, 0, None, None),
        (DEC31, 1, 0, None, None),
        (JAN1, 0, 1, 11.0, 0.0),  # T2: 17:30Z Dec 31 -> 04:30Z Jan 1, inside its 72 h
        (JAN2, 1, 0, None, None),
    ]
    facts = rows(
        path,
        "SELECT ticket_id, status, is_open, created_date, last_business_date, resolution_hours "
        "FROM fact_tickets ORDER BY ticket_id",
    )
    assert facts == [
        ("T1", "pending", True, DEC30, JAN1, None),
        ("T2", "solved", False, DEC31, JAN1, 11.0),
        ("T3", "new", True, JAN2, JAN2, None),
    ]


def test_jan_1_read_the_open_tickets_of_the_year_before(crossed):
    _, path, _, _ = crossed
    # The daily run of Jan 1 read its 2 extract rows and the 2 tickets open after Dec 31.
    assert rows(
        path,
        "SELECT rows_in, rows_read FROM ingestion_state "
        "WHERE business_date = DATE '2026-01-01' AND status = 'succeeded'",
    ) == [(2, 4)]
