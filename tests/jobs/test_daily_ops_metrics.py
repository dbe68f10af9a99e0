"""daily_ops_metrics over the MARCH scenario (tests/jobs/scenarios.py), as docs/kpis.md defines it.

Rows per file: D1 11 (1 rejected: Z1 unknown status), D2 8 (1 rejected: C1 outside_day),
D3 3 (1 rejected: missing ticket_id).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.spark

D1, D2, D3 = "2025-03-05", "2025-03-06", "2025-03-07"
COLUMNS = (
    "tickets_created",
    "tickets_solved",
    "open_eod",
    "sla_compliance_pct",
    "tat_p50_hours",
    "csat_avg",
    "reopen_rate",
    "active_agents",
    "rows_ingested",
    "rows_rejected",
)


def row(march, day):
    return tuple(march.day("daily_ops_metrics", day)[c] for c in COLUMNS)


def test_day_1(march):
    assert row(march, D1) == (
        5,  # created S1 S2 C1 C2 X
        5,  # solved S1..S5
        5,  # open C1 C2 C3 X P1
        pytest.approx(60.0),  # 100 - 40 (2 of 5 breached)
        pytest.approx(24.0),  # median of 2, 5, 24, 80, 100
        pytest.approx(3.5),  # solved csat S1 5, S2 2, S4 4, S5 3 (S3 none; C1's 1 not solved)
        pytest.approx(0.4),  # 2 reopened / 5 solved
        3,  # a1 a2 a3 (a4 holds a ticket but has no version; a9 only on a rejected row)
        11,  # 9 tickets + C1's duplicate + Z1
        1,  # Z1
    )


def test_day_2(march):
    assert row(march, D2) == (
        1,  # W1
        4,  # C1 C2 W1 X
        3,  # S3 C3 P1
        pytest.approx(75.0),  # 100 - 25
        pytest.approx(16.0),  # 12 + 0.5 * (20 - 12)
        pytest.approx(10 / 3),  # C1 4, W1 1 (version = later tie line), X 5; C2 none
        pytest.approx(0.25),  # S3 reopened / 4 solved
        3,  # a1 (C1 X), a2 (W1 S3), a3 (C2)
        8,  # C1 x2, C2, W1 x3, X, S3
        1,  # C1 outside_day
    )


def test_day_3_nothing_solved(march):
    assert row(march, D3) == (
        1,  # N1
        0,
        4,  # N1 S3 C3 P1
        None,  # no solved ticket: no breach %, no compliance
        None,
        None,  # S1 has csat 5 but was solved on D1
        None,  # reopen_rate null when solved = 0
        1,  # a1 (S1); N1 unassigned
        3,  # N1, S1, the row without ticket_id
        1,  # missing_ticket_id
    )


def test_agrees_with_the_other_kpi_tables(march):
    for day in (D1, D2, D3):
        ops, features, backlog = (
            march.day(t, day) for t in ("daily_ops_metrics", "features_daily", "backlog_daily")
        )
        assert ops["tickets_created"] == features["tickets_created"]
        assert ops["tickets_solved"] == features["tickets_solved"]
        assert ops["open_eod"] == backlog["open_eod"]
        assert ops["tat_p50_hours"] == features["tat_p50_hours"]
