"""A ticket whose later version moves its created_at keeps one fact row.

The commit's MERGE reads only the created_date partitions of the fact rows it may touch
(statements.py, `_merge_fact`): the run's new rows and the stored rows of the same
tickets (jobs/pipeline.py, `_bounds`). If the stored rows were left out of that range, a
ticket whose correction moves its created_at to another day would not match its stored
row and be inserted a second time.

Two hand-written extracts, business time zone Asia/Kolkata (UTC+05:30). C1 opens at
09:30 IST Jan 1 (created_date Jan 1). The Jan 2 file says it was created at 15:30 IST
Dec 31 2024 (created_date Dec 31): the Jan 2 run's own rows span Dec 31 only, the stored
row is in Jan 1's partition.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jobs import pipeline
from tests.e2e.tables import rows
from tests.e2e.test_replay_restores import context, ticket, write_extract
from tests.envs import window, write_env

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

JAN1, JAN2 = dt.date(2025, 1, 1), dt.date(2025, 1, 2)


def test_a_moved_created_at_updates_the_ticket_instead_of_adding_one(spark, tmp_path):
    feed = window("local", JAN1, JAN2, JAN1, scale=1.0, defect_rate=0.005)
    settings = write_env(tmp_path / "env", "moved", "local", feed)
    landing = tmp_path / "landing"
    write_extract(
        landing, JAN1, [ticket("C1", "2025-01-01T04:00:00Z", "2025-01-01T05:00:00Z", "open")]
    )
    write_extract(
        landing, JAN2, [ticket("C1", "2024-12-31T10:00:00Z", "2025-01-02T05:00:00Z", "open")]
    )
    warehouse = tmp_path / "w.duckdb"
    ctx = context(settings, warehouse, landing, spark)
    assert pipeline.daily(ctx, max_days=2).committed == [JAN1, JAN2]
    assert rows(
        warehouse, "SELECT ticket_id, created_date, last_business_date FROM fact_tickets"
    ) == [("C1", dt.date(2024, 12, 31), JAN2)]
