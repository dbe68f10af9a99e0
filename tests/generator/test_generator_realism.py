"""The simulated desk behaves like a real one (volume, backlog, SLA, agents, CSAT).

Everything is measured from the files with the docs/kpis.md definitions.
"""

from __future__ import annotations

import collections
import datetime as dt
import statistics

import pytest

from generator import generate

from .conftest import ZONE
from .rules import OPEN_STATUSES, versions

TARGET_HOURS = {"urgent": 4, "high": 24, "normal": 72, "low": 168}


@pytest.fixture(scope="module")
def created_per_day(rows):
    """Tickets created per IST day, from each ticket's valid rows."""
    created = {r["ticket_id"]: r.ts("created_at") for r in rows if r.valid}
    return collections.Counter(c.astimezone(ZONE).date() for c in created.values())


@pytest.fixture(scope="module")
def solved(rows):
    """solved(D) per §4a: (day, version of D) for tickets solved in D."""
    result = []
    for day, tickets in versions(rows).items():
        for row in tickets.values():
            if row.norm("status") in ("solved", "closed") and (
                row.ts("solved_at").astimezone(ZONE).date() == day
            ):
                result.append((day, row))
    return result


def hours(row) -> float:
    return (row.ts("solved_at") - row.ts("created_at")).total_seconds() / 3600


def breached(row) -> bool:
    return hours(row) > TARGET_HOURS[row.norm("priority")]


def test_weekends_are_quieter(created_per_day, rows):
    weekday = [n for d, n in created_per_day.items() if d.weekday() < 5]
    weekend = [n for d, n in created_per_day.items() if d.weekday() >= 5]
    assert statistics.mean(weekday) > 1.4 * statistics.mean(weekend)
    per_file = collections.Counter(r.day for r in rows)
    assert statistics.mean(n for d, n in per_file.items() if d.weekday() < 5) > 1.2 * (
        statistics.mean(n for d, n in per_file.items() if d.weekday() >= 5)
    )


def test_volume_grows_through_the_year(created_per_day, rows):
    def mean(counter, months):
        return statistics.mean(n for d, n in counter.items() if d.month in months)

    assert mean(created_per_day, (10, 11, 12)) > 1.3 * mean(created_per_day, (1, 2, 3))
    per_file = collections.Counter(r.day for r in rows)
    assert mean(per_file, (10, 11, 12)) > 1.4 * mean(per_file, (1, 2, 3))


def test_backlog_snowballs_in_november_and_december(rows):
    """open_eod from the state after D (§4a), at month ends."""
    per_day = versions(rows)
    state, open_at = {}, {}
    for day in sorted(per_day):
        for ticket, row in per_day[day].items():
            if ticket not in state or row.ts("updated_at") >= state[ticket].ts("updated_at"):
                state[ticket] = row
        if (day + dt.timedelta(days=1)).day == 1:
            open_at[day.month] = sum(r.norm("status") in OPEN_STATUSES for r in state.values())
    first_half = max(open_at[m] for m in range(1, 7))
    assert open_at[10] < 2.5 * first_half
    assert open_at[12] > 1.4 * open_at[11]
    assert open_at[11] > 1.4 * open_at[10]
    assert open_at[12] > 4 * first_half


def test_resolution_slows_and_sla_breaches_rise_late_in_the_year(solved):
    early = [row for day, row in solved if day.month <= 6]
    december = [row for day, row in solved if day.month == 12]
    early_breach = sum(map(breached, early)) / len(early)
    december_breach = sum(map(breached, december)) / len(december)
    assert 0.05 < early_breach < 0.25
    assert december_breach > 2 * early_breach
    assert statistics.median(map(hours, december)) > 2 * statistics.median(map(hours, early))


def test_urgent_tickets_are_solved_fastest(solved):
    by_priority = collections.defaultdict(list)
    for day, row in solved:
        if day.month <= 6:
            by_priority[row.norm("priority")].append(hours(row))
    medians = [statistics.median(by_priority[p]) for p in ("urgent", "high", "normal", "low")]
    assert medians == sorted(medians)
    assert medians[0] < 0.5 * medians[2]


def test_some_agents_are_much_faster_than_others(solved):
    per_agent = collections.defaultdict(list)
    for day, row in solved:
        if day.month <= 8 and row.norm("priority") == "normal":
            per_agent[row["agent_id"]].append(hours(row))
    medians = [statistics.median(h) for h in per_agent.values() if len(h) >= 40]
    assert len(medians) >= 6
    assert max(medians) > 1.5 * min(medians)


def test_slow_resolutions_get_lower_csat(solved):
    fast = [int(r["csat_score"]) for _, r in solved if r["csat_score"] and not breached(r)]
    slow = [int(r["csat_score"]) for _, r in solved if r["csat_score"] and breached(r)]
    assert statistics.mean(fast) > statistics.mean(slow) + 0.5
    rated = sum(1 for _, r in solved if r["csat_score"]) / len(solved)
    assert 0.15 < rated < 0.6  # only some solved tickets are rated
    assert {int(r["csat_score"]) for _, r in solved if r["csat_score"]} == {1, 2, 3, 4, 5}


def test_a_few_percent_of_tickets_are_reopened(rows):
    counts = {}
    for r in rows:
        if r.valid:
            counts[r["ticket_id"]] = max(counts.get(r["ticket_id"], 0), int(r["reopen_count"]))
    share = sum(c > 0 for c in counts.values()) / len(counts)
    assert 0.01 < share < 0.08
    assert max(counts.values()) >= 2


def test_priority_and_channel_mix(rows):
    first = {}
    for r in rows:
        if r.valid:
            first.setdefault(r["ticket_id"], r)
    n = len(first)
    priority = collections.Counter(r.norm("priority") for r in first.values())
    for name, share in {"urgent": 0.05, "high": 0.20, "normal": 0.55, "low": 0.20}.items():
        assert abs(priority[name] / n - share) < 0.03, name
    channels = collections.Counter(r["channel"] for r in first.values())
    assert set(channels) == {"email", "web", "chat", "phone"}


def test_subjects_are_messy_free_text(rows):
    subjects = {r["subject"] for r in rows if len(r.fields) > 11}
    assert any("," in s for s in subjects)
    assert any('"' in s for s in subjects)
    assert any("\n" in s for s in subjects)
    assert any(not s.isascii() for s in subjects)
    assert any(any("\u0900" <= ch <= "\u097f" for ch in s) for s in subjects)  # Devanagari
    assert any(any("\u3040" <= ch <= "\u30ff" for ch in s) for s in subjects)  # Japanese kana
    assert len(subjects) > 200


def test_volume_is_roughly_linear_in_scale(settings, year, tmp_path):
    _, at_005 = year
    at_002 = generate(settings, tmp_path, scale=0.02)
    assert 2.5 * 0.85 < at_005.rows / at_002.rows < 2.5 * 1.15
    # About 95 MB for Jan-Oct at scale 1, i.e. about 4.75 MB at 0.05.
    manifest_sizes = sorted(
        (p.name, p.stat().st_size) for p in (year[0] / "tickets").glob("dt=*/*.csv")
    )
    jan_oct = sum(size for name, size in manifest_sizes if name < "tickets_2025-11-01")
    assert 3.8e6 < jan_oct < 5.7e6
