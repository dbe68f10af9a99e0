"""What to process next, decided from ingestion_state alone (DESIGN §5). Pure functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc


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

    Days are processed strictly in order because the state after D depends on
    D-1, so a failed day is simply the next day again: it blocks the days after it.
    """
    done = succeeded_days(state)
    last = max(done) if done else None
    candidate = last + dt.timedelta(days=1) if last else start
    return NextDay(day=candidate if candidate <= end else None, last_succeeded=last)


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
