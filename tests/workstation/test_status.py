"""`render_status` on a small hand-made ingestion_state, and the cron next-tick computation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from jobs import config
from jobs.warehouse.duckdb import DuckDBWarehouse
from tests.report.conftest import FIRST_DAY, insert
from workstation.status import next_tick, render_status

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _attempt(day: int, attempt: int, status: str, error: str | None = None) -> dict:
    started = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=attempt)
    done = status != "running"
    return dict(
        business_date=FIRST_DAY + dt.timedelta(days=day),
        status=status,
        mode="backfill" if day < 2 else "daily",
        run_id=f"run-{day}-{attempt}",
        attempt=attempt,
        started_at=started,
        finished_at=started + dt.timedelta(seconds=12.5) if done else None,
        rows_in=500 + day if status == "succeeded" else None,
        rows_rejected=3 if status == "succeeded" else None,
        rows_upserted=490 if status == "succeeded" else None,
        rows_read=900 + day if status == "succeeded" else None,
        error=error,
    )


@pytest.fixture
def state_warehouse(tmp_path) -> DuckDBWarehouse:
    """Days 0-3 succeeded (day 2 on its second attempt), day 4 failed twice."""
    warehouse = DuckDBWarehouse(tmp_path / "state.duckdb")
    warehouse.ensure_tables()
    rows = [
        _attempt(0, 1, "succeeded"),
        _attempt(1, 1, "succeeded"),
        _attempt(2, 1, "failed", "transient: warehouse busy"),
        _attempt(2, 2, "succeeded"),
        _attempt(3, 1, "succeeded"),
        _attempt(4, 1, "failed", "first try"),
        _attempt(4, 2, "failed", "extract tickets_2025-03-07.csv:\nheader is unreadable"),
    ]
    insert(warehouse.path, {"ingestion_state": rows})
    return warehouse


def test_counts_processed_pending_and_failed(settings, state_warehouse):
    text = render_status(settings, state_warehouse, color=False)
    assert not ANSI.search(text), "colour codes in plain output"
    lines = text.splitlines()
    assert "processed 4 day(s), last 2025-03-06" in lines
    # the failed day is the next one to run: days 4..19 of the 20-day window are pending
    assert "pending   16 day(s), next 2025-03-07 (a retry of a failed day)" in lines
    assert "failed    1 day(s)" in lines
    assert (
        "  2025-03-07 attempt 2 (daily): extract tickets_2025-03-07.csv: header is unreadable"
        in lines
    )
    assert "transient" not in text, "a day whose latest attempt succeeded is not failed"
    assert "next tick" not in text, "no schedule for the local env"
    recent = lines[lines.index("recent days") + 2 :]
    assert [line.split()[0] for line in recent] == [f"2025-03-0{d}" for d in (3, 4, 5, 6, 7)]
    assert recent[-1].split()[1:4] == ["daily", "failed", "-"]
    assert recent[0].split()[1:] == ["backfill", "succeeded", "500", "3", "900", "12.5"]


def test_colour_only_when_asked(settings, state_warehouse):
    plain = render_status(settings, state_warehouse, color=False)
    coloured = render_status(settings, state_warehouse, color=True)
    assert "\x1b[31m" in coloured  # failed in red
    assert ANSI.sub("", coloured) == plain


def test_up_to_date_and_empty(settings, tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "empty.duckdb")
    warehouse.ensure_tables()
    text = render_status(settings, warehouse, color=False)
    assert "processed 0 day(s)" in text
    assert "pending   20 day(s), next 2025-03-03" in text
    assert "recent days" not in text
    short = dataclasses.replace(
        settings,
        simulation=dataclasses.replace(settings.simulation, end=FIRST_DAY),
    )
    insert(warehouse.path, {"ingestion_state": [_attempt(0, 1, "succeeded")]})
    assert "pending   0 day(s), up to date" in render_status(short, warehouse, color=False)


def test_cloud_env_shows_the_next_scheduled_tick(state_warehouse):
    dev = dataclasses.replace(
        config.load("dev"), processing=config.ProcessingSettings(start=FIRST_DAY)
    )
    assert (dev.gcp.schedule, dev.gcp.schedule_time_zone) == ("0 8 * * *", "Asia/Kolkata")
    now = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # 21:30 in Kolkata
    lines = render_status(dev, state_warehouse, color=False, now=now).splitlines()
    assert (
        "next tick 2026-11-27 08:00 Asia/Kolkata, in 10 h 30 min  (schedule '0 8 * * *')" in lines
    )
    # No last day in a real environment: yesterday in Kolkata is the last one that may run.
    # 2025-03-07 .. 2026-11-25 is 365 + 245 + 18 + 1 days.
    assert "  (gcp, days 2025-03-03 .. 2026-11-25)" in lines[0]
    assert "pending   629 day(s), next 2025-03-07 (a retry of a failed day)" in lines


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 8 * * *", "Asia/Kolkata", "2026-11-26T02:29:00+00:00", "2026-11-26T08:00:00+05:30"),
        ("0 8 * * *", "Asia/Kolkata", "2026-11-26T02:30:00+00:00", "2026-11-27T08:00:00+05:30"),
        ("*/15 9-17 * * mon-fri", "UTC", "2026-11-28T10:00:00+00:00", "2026-11-30T09:00:00+00:00"),
        ("*/15 9-17 * * 1-5", "UTC", "2026-11-30T17:45:00+00:00", "2026-12-01T09:00:00+00:00"),
        ("30 2 1 jan,jul *", "UTC", "2026-02-01T00:00:00+00:00", "2026-07-01T02:30:00+00:00"),
        ("0 0 13 * fri", "UTC", "2026-11-01T00:00:00+00:00", "2026-11-06T00:00:00+00:00"),
        ("0 12 * * 7", "UTC", "2026-11-26T00:00:00+00:00", "2026-11-29T12:00:00+00:00"),
        ("5,35 */6 * * *", "UTC", "2026-11-26T06:35:00+00:00", "2026-11-26T12:05:00+00:00"),
        ("0 9 * * *", "Europe/Berlin", "2026-03-29T06:00:00+00:00", "2026-03-29T09:00:00+02:00"),
    ],
)
def test_cron_next_tick(expression, zone, after, expected):
    tick = next_tick(expression, zone, dt.datetime.fromisoformat(after))
    assert tick == dt.datetime.fromisoformat(expected)
    assert tick.isoformat() == expected


@pytest.mark.parametrize("expression", ["61 * * * *", "0 8 * *", "0 8 * * funday", "*/0 * * * *"])
def test_cron_rejects_what_it_cannot_read(expression):
    with pytest.raises(ValueError):
        next_tick(expression, "UTC", dt.datetime(2026, 11, 26, tzinfo=dt.UTC))
