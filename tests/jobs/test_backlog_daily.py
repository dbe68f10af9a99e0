"""backlog_daily over the APRIL scenario (tests/jobs/scenarios.py), as docs/kpis.md defines it.

E1 = 2025-04-01, E2 = 2025-04-02, E3 = 2025-04-03; end(D) = DT18:30:00Z.
Prior (state after Mar 31): PB open normal (created Mar 30 06:00Z), PC hold low
(created Mar 25 06:00Z, untouched on E1 and E2, solved on E3).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.spark

E1, E2, E3 = "2025-04-01", "2025-04-02", "2025-04-03"
OPEN_BEFORE_E1 = 2  # PB, PC
MARCH = ("2025-03-05", "2025-03-06", "2025-03-07")


def test_open_eod_per_priority(april):
    # E1 open: PC, B0, B0b, B3, B7, B14, B29, B30 (PB solved, BS solved)
    e1 = april.day("backlog_daily", E1)
    assert (
        e1["open_eod"],
        e1["open_urgent"],
        e1["open_high"],
        e1["open_normal"],
        e1["open_low"],
    ) == (8, 1, 1, 2, 4)  # B0 | B14 | B0b B3 | PC B7 B29 B30
    # E2 open: PC, B0b, B3, B14, B29, B30, PB (reopened), N2 (B0, B7 solved)
    e2 = april.day("backlog_daily", E2)
    assert (
        e2["open_eod"],
        e2["open_urgent"],
        e2["open_high"],
        e2["open_normal"],
        e2["open_low"],
    ) == (8, 0, 2, 3, 3)  # - | B14 N2 | B0b B3 PB | PC B29 B30
    # E3 open: B0b, B3, PB, N2, N3 (B14, B29, B30, PC closed; NS born solved)
    e3 = april.day("backlog_daily", E3)
    assert (
        e3["open_eod"],
        e3["open_urgent"],
        e3["open_high"],
        e3["open_normal"],
        e3["open_low"],
    ) == (5, 1, 1, 3, 0)  # N3 | N2 | B0b B3 PB | -


def test_entered_and_left(april):
    flows = [
        (
            april.day("backlog_daily", d)["entered_backlog"],
            april.day("backlog_daily", d)["left_backlog"],
        )
        for d in (E1, E2, E3)
    ]
    assert flows == [
        (7, 1),  # E1: B0 B0b B3 B7 B14 B29 B30 enter (BS never open); PB leaves
        (2, 2),  # E2: PB (reopened) and N2 enter; B0, B7 leave (B3 pending -> open: neither)
        (1, 4),  # E3: N3 enters (NS never open); B14, B29, B30 and PC (prior) leave
    ]


def test_open_eod_identity(april):
    previous = OPEN_BEFORE_E1
    for day in (E1, E2, E3):
        row = april.day("backlog_daily", day)
        assert row["open_eod"] == previous + row["entered_backlog"] - row["left_backlog"]
        previous = row["open_eod"]  # 2 + 7 - 1 = 8; 8 + 2 - 2 = 8; 8 + 1 - 4 = 5


def buckets(row):
    return tuple(
        row[c]
        for c in ("age_0_1d", "age_1_3d", "age_3_7d", "age_7_14d", "age_14_30d", "age_30d_plus")
    )


def test_age_buckets_at_their_edges(april):
    # ages at end(E1) = Apr 1 18:30Z, in days:
    #   B0b 0.99999 (18:30:01) -> [0,1); B0 exactly 1 -> [1,3); B3 exactly 3 -> [3,7);
    #   B7 exactly 7 and PC 7.52 -> [7,14); B14 exactly 14 and B29 29.99999 -> [14,30);
    #   B30 exactly 30 -> [30,inf)
    assert buckets(april.day("backlog_daily", E1)) == (1, 1, 1, 2, 2, 1)
    # end(E2): N2 0.5625 | B0b 1.99999 | B3 4, PB 3.52 | PC 8.52 | B14 15 | B29 30.99999, B30 31
    assert buckets(april.day("backlog_daily", E2)) == (1, 1, 2, 1, 1, 2)
    # end(E3): N3 0.5625 | B0b 2.99999, N2 1.5625 | B3 5, PB 4.52 | - | - | -  (PC solved)
    assert buckets(april.day("backlog_daily", E3)) == (1, 2, 2, 0, 0, 0)


def test_open_past_due_is_strictly_before_end_of_day(april):
    # E1 (end Apr 1 18:30Z): PC due Apr 1 06:00, B0 Mar 31 22:30, B14 Mar 19, B29, B30 Mar 9
    #   -> 5; B3 (normal, due Apr 1 18:30 = end) and B7 (low, due Apr 1 18:30 = end) are not
    assert april.day("backlog_daily", E1)["open_past_due"] == 5
    # E2 (end Apr 2 18:30Z): PC, B3, B14, B29, B30, PB (due Apr 2 06:00) -> 6;
    #   not B0b (due Apr 3 18:30:01), N2 (high, due Apr 3 05:00)
    assert april.day("backlog_daily", E2)["open_past_due"] == 6
    # E3 (end Apr 3 18:30Z): B3, PB, N2, N3 (urgent, due Apr 3 09:00) -> 4 (PC solved);
    #   B0b due Apr 3 18:30:01, one second after end(E3): not past due
    assert april.day("backlog_daily", E3)["open_past_due"] == 4


def test_untouched_open_ticket_stays_in_the_backlog(march):
    # MARCH: P1 (prior, open normal, never in an extract) is open at the end of every day
    assert [march.day("backlog_daily", d)["open_normal"] for d in MARCH] == [3, 1, 1]
    # D1: C1 X P1; D2: P1; D3: P1


def test_march_backlog(march):
    d1 = march.day("backlog_daily", MARCH[0])
    # after D1 open: C1 (normal), C2 (low), C3 (high), X (normal), P1 (normal)
    assert (
        d1["open_eod"],
        d1["open_urgent"],
        d1["open_high"],
        d1["open_normal"],
        d1["open_low"],
    ) == (5, 0, 1, 3, 1)
    # entered: C1 C2 C3 X (new); left: S3 S4 S5 (prior open, solved) -> 4 + 4 - 3 = 5
    assert (d1["entered_backlog"], d1["left_backlog"]) == (4, 3)
    # ages at Mar 5 18:30Z: C2 10 min, X 11 h 59 | C1 exactly 1 d, C3 1 d 10 min, P1 62.5 h
    assert buckets(d1) == (2, 3, 0, 0, 0, 0)
    # past due: only C3 (high, due Mar 5 18:20 < 18:30)
    assert d1["open_past_due"] == 1
