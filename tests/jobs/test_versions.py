"""Version of D, state after D and the fact columns (docs/kpis.md).

Files of 2025-03-01 ([2025-02-28T18:30Z, 2025-03-01T18:30Z)) and 2025-03-02.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.transforms import validate, versions

from .conftest import SETTINGS, TZ, raw, raw_frame, rows_of, utc

pytestmark = pytest.mark.spark

M1, M2 = "2025-03-01", "2025-03-02"
ROWS = [
    # T1: three rows; the greatest updated_at (07:00, line 2) wins although line 3 is later
    raw(M1, 1, "T1", "2025-02-28T18:20:00Z", "2025-03-01T05:00:00Z", "new"),
    raw(M1, 2, "T1", "2025-02-28T18:20:00Z", "2025-03-01T07:00:00Z", "open", agent_id="a1"),
    raw(M1, 3, "T1", "2025-02-28T18:20:00Z", "2025-03-01T06:00:00Z", "pending"),
    # T2: tie on updated_at: the later line (5) wins
    raw(M1, 4, "T2", "2025-03-01T01:00:00Z", "2025-03-01T05:00:00Z", "open", "low"),
    raw(M1, 5, "T2", "2025-03-01T01:00:00Z", "2025-03-01T05:00:00Z", "open", "urgent"),
    # T3: tie, and the later line (7) comes first in the input: line number decides
    raw(M1, 7, "T3", "2025-03-01T01:00:00Z", "2025-03-01T05:00:00Z", agent_id="a2"),
    raw(M1, 6, "T3", "2025-03-01T01:00:00Z", "2025-03-01T05:00:00Z", agent_id="a1"),
    # T4: the later, invalid row (unknown status) is not a version
    raw(M1, 8, "T4", "2025-03-01T01:00:00Z", "2025-03-01T05:00:00Z", "hold"),
    raw(M1, 9, "T4", "2025-03-01T01:00:00Z", "2025-03-01T09:00:00Z", "bogus"),
    # T5: solved high ticket, within its 24 h target
    raw(
        M1,
        10,
        "T5",
        "2025-03-01T00:00:00Z",
        "2025-03-01T10:30:00Z",
        "solved",
        "high",
        agent_id="a3",
        first_response_at="2025-03-01T00:45:00Z",
        solved_at="2025-03-01T10:30:00Z",
        csat_score="4",
    ),
    # T6: solved urgent ticket, 4 h 30 min > its 4 h target
    raw(
        M1,
        11,
        "T6",
        "2025-03-01T01:00:00Z",
        "2025-03-01T05:30:00Z",
        "closed",
        "urgent",
        solved_at="2025-03-01T05:30:00Z",
    ),
    # T7: created 18:20Z on Mar 1 = 23:50 IST Mar 1; solved 18:31Z on Mar 1 = 00:01 IST Mar 2,
    # so its solving row belongs to the file of Mar 2
    raw(M1, 12, "T7", "2025-03-01T18:20:00Z", "2025-03-01T18:25:00Z", "new", "urgent"),
    raw(
        M2,
        2,
        "T7",
        "2025-03-01T18:20:00Z",
        "2025-03-01T18:31:00Z",
        "solved",
        "urgent",
        solved_at="2025-03-01T18:31:00Z",
    ),
    # Mar 2: T1 solved (state after Mar 2 moves on); T2 not in the file
    raw(
        M2,
        1,
        "T1",
        "2025-02-28T18:20:00Z",
        "2025-03-02T02:50:00Z",
        "solved",
        "normal",
        agent_id="a1",
        solved_at="2025-03-02T02:50:00Z",
    ),
]


@pytest.fixture(scope="module")
def result(spark):
    checked = validate.check(raw_frame(spark, ROWS), TZ)
    enriched = versions.with_fact_columns(
        versions.versions_of_day(validate.valid_rows(checked)), SETTINGS.sla, TZ
    ).localCheckpoint()
    return {
        "versions": {
            (r["business_date"].isoformat(), r["ticket_id"]): r
            for r in rows_of(enriched, "business_date", "ticket_id")
        },
        "state": {
            r["ticket_id"]: r for r in rows_of(versions.latest_state(enriched, "r1"), "ticket_id")
        },
    }


def test_one_version_per_ticket_and_day(result):
    assert sorted(result["versions"]) == [
        (M1, "T1"),
        (M1, "T2"),
        (M1, "T3"),
        (M1, "T4"),
        (M1, "T5"),
        (M1, "T6"),
        (M1, "T7"),
        (M2, "T1"),
        (M2, "T7"),
    ]


def test_greatest_updated_at_wins(result):
    t1 = result["versions"][(M1, "T1")]
    assert (t1["status"], t1["agent_id"], t1["updated_at"]) == (
        "open",
        "a1",
        utc("2025-03-01T07:00:00Z"),
    )


def test_ties_on_updated_at_go_to_the_later_line(result):
    assert result["versions"][(M1, "T2")]["priority"] == "urgent"  # line 5 over line 4
    assert result["versions"][(M1, "T3")]["agent_id"] == "a2"  # line 7 over line 6


def test_invalid_rows_are_not_versions(result):
    t4 = result["versions"][(M1, "T4")]
    assert (t4["status"], t4["updated_at"]) == ("hold", utc("2025-03-01T05:00:00Z"))


def test_fact_columns_of_a_solved_ticket(result):
    t5 = result["versions"][(M1, "T5")]
    assert t5["created_date"] == dt.date(2025, 3, 1)  # 00:00Z = 05:30 IST Mar 1
    assert t5["is_open"] is False
    assert t5["resolution_hours"] == 10.5  # 10:30 - 00:00
    assert t5["first_response_minutes"] == 45.0  # 00:45 - 00:00
    assert t5["sla_due_at"] == utc("2025-03-02T00:00:00Z")  # + 24 h (high)
    assert t5["sla_breached"] is False  # 10.5 h <= 24 h
    assert t5["last_business_date"] == dt.date(2025, 3, 1)
    t6 = result["versions"][(M1, "T6")]
    assert t6["resolution_hours"] == 4.5  # 05:30 - 01:00
    assert t6["sla_due_at"] == utc("2025-03-01T05:00:00Z")  # + 4 h (urgent)
    assert t6["sla_breached"] is True  # 4.5 h > 4 h
    assert t6["first_response_minutes"] is None


def test_fact_columns_of_an_open_ticket(result):
    t1 = result["versions"][(M1, "T1")]
    assert t1["created_date"] == dt.date(2025, 2, 28)  # 18:20Z = 23:50 IST on Feb 28
    assert t1["is_open"] is True
    assert (t1["resolution_hours"], t1["sla_breached"]) == (None, None)
    assert t1["sla_due_at"] == utc("2025-03-03T18:20:00Z")  # + 72 h (normal)


def test_state_is_the_latest_version(result):
    state = result["state"]
    assert sorted(state) == ["T1", "T2", "T3", "T4", "T5", "T6", "T7"]  # one row per ticket
    assert (state["T1"]["status"], state["T1"]["last_business_date"]) == (
        "solved",
        dt.date(2025, 3, 2),
    )
    # Feb 28 18:20 -> Mar 1 18:20 = 24 h, -> Mar 2 02:50 = + 8.5 h
    assert state["T1"]["resolution_hours"] == 32.5
    assert state["T1"]["sla_breached"] is False  # 32.5 h <= 72 h
    assert state["T2"]["last_business_date"] == dt.date(2025, 3, 1)
    assert state["T2"]["priority"] == "urgent"
    assert {r["run_id"] for r in state.values()} == {"r1"}


def test_business_dates_around_midnight_ist(result):
    t7_m1, t7_m2 = result["versions"][(M1, "T7")], result["versions"][(M2, "T7")]
    assert t7_m1["created_date"] == dt.date(2025, 3, 1)  # 18:20Z = 23:50 IST on Mar 1
    assert t7_m2["created_date"] == dt.date(2025, 3, 1)
    assert t7_m2["status"] == "solved"  # 18:31Z = 00:01 IST on Mar 2: in Mar 2's file
    assert t7_m2["resolution_hours"] == pytest.approx(11 / 60)  # 18:20 -> 18:31 = 11 min
    assert result["state"]["T7"]["last_business_date"] == dt.date(2025, 3, 2)
