"""What to process next, decided from ingestion_state and the processing window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from jobs.config import Settings


@dataclass(frozen=True)
class NextDay:
    """The next day to process, or why there is none."""

    day: dt.date | None  # None: up to date
    last_succeeded: dt.date | None

    @property
    def up_to_date(self) -> bool:
        return self.day is None


def succeeded_days(state: pa.Table) -> set[dt.date]:
    rows = state.filter(pc.equal(state.column("status"), "succeeded"))
    return set(rows.column("business_date").to_pylist())


def next_day(state: pa.Table, start: dt.date, end: dt.date) -> NextDay:
    """The day after the last succeeded day (or `start`), unless that is past `end`.

    Pure: `end` is the last processable day (`last_day`).

    Days are processed strictly in order because the state after D depends on
    D-1, so a failed day is simply the next day again: it blocks the days after it.
    """
    done = succeeded_days(state)
    last = max(done) if done else None
    candidate = last + dt.timedelta(days=1) if last else start
    return NextDay(day=candidate if candidate <= end else None, last_succeeded=last)


def last_day(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """The last day that may be processed now.

    In a simulation, the simulated feed's last day. In a real environment there is no
    last day, only yesterday in the business time zone: a day's extract is complete
    once the day has ended, so today is never processed, and Jan 1 of a new year is an
    ordinary day.
    """
    if settings.simulation is not None:
        return settings.simulation.end
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(settings.zone).date() - dt.timedelta(days=1)


def default_backfill_end(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """A backfill's default last day: the simulation's backfill_to, or the last processable
    day in a real environment."""
    if settings.simulation is not None:
        return settings.simulation.backfill_to
    return last_day(settings, now)


def next_for(settings: Settings, state: pa.Table, now: dt.datetime | None = None) -> NextDay:
    """`next_day` over the environment's processing window as of `now`."""
    return next_day(state, settings.processing.start, last_day(settings, now))


def pending_count(settings: Settings, nxt: NextDay, now: dt.datetime | None = None) -> int:
    """How many days are pending: the next day through the last processable one."""
    return 0 if nxt.up_to_date else (last_day(settings, now) - nxt.day).days + 1


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
