"""fact_tickets_history (docs/kpis.md): every version of a ticket with the days it held.

A run writes the versions of its days: each valid from its extract's day through the
day before the ticket's next version, the latest one open-ended. Closing the version
stored before the run is the commit's job (jobs/warehouse/statements.py); the model
below does it the obvious way, so that one-day runs chained together can be compared
with one run over the same days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import fact, raw, run_chained, run_days
from .scenarios import APRIL_DAYS, APRIL_PRIOR, APRIL_RAW, MARCH_DAYS, MARCH_PRIOR, MARCH_RAW

pytestmark = pytest.mark.spark
D = dt.date.fromisoformat

# A was open before the run (its stored version from Mar 3); it goes pending on Mar 5 and
# is solved on Mar 7. B is created on Mar 6. C's only row is rejected (unknown status), so
# C has no version. Twice on Mar 5, A's later row (by updated_at) is the day's version.
ROWS = [
    raw("2025-03-05", 1, "A", "2025-03-03T04:00:00Z", "2025-03-05T05:00:00Z", "open"),
    raw("2025-03-05", 2, "A", "2025-03-03T04:00:00Z", "2025-03-05T06:00:00Z", "pending"),
    raw("2025-03-05", 3, "C", "2025-03-05T04:00:00Z", "2025-03-05T04:00:00Z", "reopened"),
    raw("2025-03-06", 1, "B", "2025-03-06T04:00:00Z", "2025-03-06T04:00:00Z", "new"),
    raw("2025-03-07", 1, "A", "2025-03-03T04:00:00Z", "2025-03-07T05:00:00Z", "solved",
        solved_at="2025-03-07T05:00:00Z"),
]  # fmt: skip
PRIOR = [
    fact(ticket_id="A", created_at="2025-03-03T04:00:00Z", updated_at="2025-03-03T04:00:00Z",
         status="open", priority="normal", created_date="2025-03-03", is_open=True,
         sla_due_at="2025-03-06T04:00:00Z", last_business_date="2025-03-03"),
]  # fmt: skip


def test_each_version_holds_until_the_day_before_the_next(spark):
    history = run_days(spark, ROWS, "2025-03-05", "2025-03-07", PRIOR)["fact_tickets_history"]
    got = [(r["ticket_id"], r["valid_from"], r["valid_to"], r["status"]) for r in history]
    assert got == [
        ("A", D("2025-03-05"), D("2025-03-06"), "pending"),
        ("A", D("2025-03-07"), None, "solved"),
        ("B", D("2025-03-06"), None, "new"),
    ]
    solved = history[1]
    assert solved["is_open"] is False and solved["resolution_hours"] == 97.0  # Mar 3 04:00 + 97 h
    assert {r["run_id"] for r in history} == {"test-run"}


def test_a_version_on_the_last_day_and_one_day_old_are_told_apart(spark):
    # A version superseded on the run's last day ends the day before it, not open-ended.
    rows = [ROWS[1], ROWS[4]]  # A pending on Mar 5, solved on Mar 7
    history = run_days(spark, rows, "2025-03-05", "2025-03-07", PRIOR)["fact_tickets_history"]
    assert [(r["valid_from"], r["valid_to"]) for r in history] == [
        (D("2025-03-05"), D("2025-03-06")),
        (D("2025-03-07"), None),
    ]


def committed(history: list[dict], run: list[dict]) -> list[dict]:
    """The history after a commit: each ticket's open version closes the day before the
    ticket's first version in the run, then the run's versions are added."""
    first_new = {}
    for row in run:
        first_new[row["ticket_id"]] = min(
            row["valid_from"], first_new.get(row["ticket_id"], row["valid_from"])
        )
    closed = [
        {**row, "valid_to": first_new[row["ticket_id"]] - dt.timedelta(days=1)}
        if row["valid_to"] is None and row["ticket_id"] in first_new
        else row
        for row in history
    ]
    return closed + list(run)


@pytest.mark.parametrize(
    "raw_rows, days, prior",
    [(MARCH_RAW, MARCH_DAYS, MARCH_PRIOR), (APRIL_RAW, APRIL_DAYS, APRIL_PRIOR)],
    ids=["march", "april"],
)
def test_one_run_over_the_days_writes_the_history_of_the_daily_runs(spark, raw_rows, days, prior):
    ranged = run_days(spark, raw_rows, days[0], days[-1], prior)["fact_tickets_history"]
    daily, _ = run_chained(spark, raw_rows, days, prior)
    chained: list[dict] = []
    for run in daily:
        chained = committed(chained, run["fact_tickets_history"])

    def key(row):
        return (row["ticket_id"], row["valid_from"])

    assert ranged and sorted(ranged, key=key) == sorted(chained, key=key)
