"""features_daily over the MARCH scenario (tests/jobs/scenarios.py), docs/kpis.md.

D1 = 2025-03-05, D2 = 2025-03-06, D3 = 2025-03-07; IST = UTC+05:30.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.spark

D1, D2, D3 = "2025-03-05", "2025-03-06", "2025-03-07"


def test_one_row_per_day_of_the_run(march):
    assert [r["business_date"] for r in march["features_daily"]] == [
        dt.date(2025, 3, 5),
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 7),
    ]


def test_created(march):
    # D1: S1 (08:00Z), S2 (05:00Z), C1 (Mar 4 18:30Z = 00:00 IST Mar 5),
    #     C2 (18:20Z = 23:50 IST Mar 5), X (06:31Z) = 5; not C3 (Mar 4 18:20Z = 23:50 IST
    #     Mar 4), not S3/S4/S5 (earlier days), not Z1 (rejected), C1's duplicate counted once.
    assert march.day("features_daily", D1)["tickets_created"] == 5
    assert march.day("features_daily", D2)["tickets_created"] == 1  # W1 only (3 rows, one version)
    assert march.day("features_daily", D3)["tickets_created"] == 1  # N1; S1 was created on D1


def test_solved(march):
    assert march.day("features_daily", D1)["tickets_solved"] == 5  # S1..S5, solved 10:00Z Mar 5
    # D2: C1, C2, W1, and X solved at Mar 5 18:31Z = 00:01 IST Mar 6
    assert march.day("features_daily", D2)["tickets_solved"] == 4
    # D3: S1 is closed on D3 but its solved_at is on D1
    assert march.day("features_daily", D3)["tickets_solved"] == 0


def test_solved_just_after_midnight_ist_counts_on_the_next_day(march):
    # X solved 2025-03-05T18:31Z: not on D1 (5 solved, all S*), on D2 (TAT 12 h is among D2's)
    assert march.day("features_daily", D1)["tat_avg_hours"] == pytest.approx(42.2)  # X excluded
    assert march.day("features_daily", D2)["tat_avg_hours"] == pytest.approx(19.875)  # X included


def test_reopened(march):
    # D1: S3 (1 > 0 in the prior state), C3 (first seen with 1 > 0); not S4 (2 = 2),
    #     not S5 (1 = 1)
    assert march.day("features_daily", D1)["tickets_reopened"] == 2
    # D2: S3 (2 > 1, its state after D1 within the run)
    assert march.day("features_daily", D2)["tickets_reopened"] == 1
    assert march.day("features_daily", D3)["tickets_reopened"] == 0


def test_tat_avg_and_continuous_percentiles(march):
    d1 = march.day("features_daily", D1)
    # D1 TATs: S1 10-8 = 2, S2 10-5 = 5, S3 Mar 4 10:00->Mar 5 10:00 = 24,
    #          S4 Mar 2 02:00->Mar 5 10:00 = 80, S5 Mar 1 06:00->Mar 5 10:00 = 100
    assert d1["tat_avg_hours"] == pytest.approx(42.2)  # 211 / 5
    assert d1["tat_p50_hours"] == pytest.approx(24.0)  # rank 0.5*4 = 2 -> 24
    assert d1["tat_p90_hours"] == pytest.approx(92.0)  # rank 0.9*4 = 3.6 -> 80 + 0.6*20
    d2 = march.day("features_daily", D2)
    # D2 TATs: C1 Mar 4 18:30->Mar 6 12:00 = 41.5, C2 Mar 5 18:20->Mar 6 14:20 = 20,
    #          W1 06:00->12:00 = 6, X 06:31->18:31 = 12; sorted 6, 12, 20, 41.5
    assert d2["tat_avg_hours"] == pytest.approx(19.875)  # 79.5 / 4
    assert d2["tat_p50_hours"] == pytest.approx(16.0)  # rank 1.5 -> 12 + 0.5*8
    assert d2["tat_p90_hours"] == pytest.approx(35.05)  # rank 2.7 -> 20 + 0.7*21.5


def test_first_response_average_counts_responses_in_the_day(march):
    # D1: S1 30 min, S2 60 min, C1 (19:45Z Mar 4 = 01:15 IST Mar 5) 75 min -> 165 / 3;
    #     not S3 (17:30 IST Mar 4), S4 (Mar 2), C3 (18:25Z Mar 4 = 23:55 IST Mar 4)
    assert march.day("features_daily", D1)["first_response_avg_minutes"] == pytest.approx(55.0)
    # D2: C2 (18:50Z Mar 5 = 00:20 IST Mar 6) 30 min, W1 10 min -> 40 / 2; not X (Mar 5)
    assert march.day("features_daily", D2)["first_response_avg_minutes"] == pytest.approx(20.0)
    assert march.day("features_daily", D3)["first_response_avg_minutes"] is None


def test_sla_breach_pct_per_priority_target(march):
    # D1: S1 urgent 2 <= 4, S2 urgent 5 > 4 (breach), S3 high 24 = 24 (not >, no breach),
    #     S4 normal 80 > 72 (breach), S5 low 100 <= 168 -> 2 / 5 * 100
    assert march.day("features_daily", D1)["sla_breach_pct"] == pytest.approx(40.0)
    # D2: W1 urgent 6 > 4 only -> 1 / 4 * 100
    assert march.day("features_daily", D2)["sla_breach_pct"] == pytest.approx(25.0)


def test_no_solved_tickets_gives_nulls(march):
    d3 = march.day("features_daily", D3)
    assert (d3["tat_avg_hours"], d3["tat_p50_hours"], d3["tat_p90_hours"]) == (None, None, None)
    assert d3["sla_breach_pct"] is None
