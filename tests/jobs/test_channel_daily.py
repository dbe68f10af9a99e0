"""channel_daily over hand-made rows, as docs/kpis.md defines it.

Two days: D1 = 2025-03-05 covers [2025-03-04T18:30Z, 2025-03-05T18:30Z), D2 the next.
Resolution targets: urgent 4 h, high 24 h, normal 72 h.
"""

from __future__ import annotations

import pytest

from .conftest import raw, run_days

pytestmark = pytest.mark.spark
D1, D2 = "2025-03-05", "2025-03-06"

ROWS = [
    # email: A solved after 2 h (urgent, within 4 h); B after 5 h (urgent: breached)
    raw(D1, 1, "A", "2025-03-05T08:00:00Z", "2025-03-05T10:00:00Z", "solved", "urgent",
        solved_at="2025-03-05T10:00:00Z", channel="email"),
    raw(D1, 2, "B", "2025-03-05T05:00:00Z", "2025-03-05T10:00:00Z", "solved", "urgent",
        solved_at="2025-03-05T10:00:00Z", channel="email"),
    # chat: C opens; G is solved an hour after it opened (high, within 24 h)
    raw(D1, 3, "C", "2025-03-05T09:00:00Z", "2025-03-05T09:00:00Z", "open", "normal",
        channel="chat"),
    raw(D1, 4, "G", "2025-03-05T06:00:00Z", "2025-03-05T07:00:00Z", "solved", "high",
        solved_at="2025-03-05T07:00:00Z", channel="chat"),
    # phone: E was created two days before and is solved after 48 h (normal, within 72 h)
    raw(D1, 5, "E", "2025-03-03T10:00:00Z", "2025-03-05T10:00:00Z", "solved", "normal",
        solved_at="2025-03-05T10:00:00Z", channel="phone"),
    # web: F is rejected (unknown status), so the web channel has no row on D1
    raw(D1, 6, "F", "2025-03-05T11:00:00Z", "2025-03-05T11:00:00Z", "reopened", "low",
        channel="web"),
    # D2: C is solved 24 h after it opened (normal: within); H opens on the web
    raw(D2, 1, "C", "2025-03-05T09:00:00Z", "2025-03-06T09:00:00Z", "solved", "normal",
        solved_at="2025-03-06T09:00:00Z", channel="chat"),
    raw(D2, 2, "H", "2025-03-06T04:00:00Z", "2025-03-06T04:00:00Z", "new", "low",
        channel="web"),
]  # fmt: skip


@pytest.fixture(scope="module")
def run(spark):
    return run_days(spark, ROWS, D1, D2)


def test_each_channel_counts_its_created_and_solved_tickets_and_their_tat(run):
    got = [
        (
            str(r["business_date"]),
            r["channel"],
            r["tickets_created"],
            r["tickets_solved"],
            r["tat_p50_hours"],
            r["sla_breach_pct"],
        )
        for r in run["channel_daily"]
    ]
    assert got == [
        # chat: C and G created; G solved in 1 h
        (D1, "chat", 2, 1, 1.0, 0.0),
        # email: both created and solved; median of 2 h and 5 h; B breached: 1 of 2
        (D1, "email", 2, 2, 3.5, 50.0),
        # phone: E solved, created two days before
        (D1, "phone", 0, 1, 48.0, 0.0),
        # chat: C solved 24 h after it opened
        (D2, "chat", 0, 1, 24.0, 0.0),
        # web: H created, none solved: no TAT, no breach share
        (D2, "web", 1, 0, None, None),
    ]


def test_the_channels_add_up_to_the_days_volume(run):
    for day in (D1, D2):
        rows = [r for r in run["channel_daily"] if str(r["business_date"]) == day]
        features = run.day("features_daily", day)
        assert sum(r["tickets_created"] for r in rows) == features["tickets_created"]
        assert sum(r["tickets_solved"] for r in rows) == features["tickets_solved"]
