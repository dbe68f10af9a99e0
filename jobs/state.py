"""What to process next, what a replay may cover, and which processed files changed:
all decided from ingestion_state (and the landed files' identities)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from jobs.config import Settings
from jobs.landing import FileIdentity


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


class ReplayRefused(Exception):
    """A replay range that cannot be recomputed correctly; the message says why."""


def replay_range(state: pa.Table, first: dt.date, only: bool = False) -> tuple[dt.date, dt.date]:
    """The days a replay from `first` recomputes: first through the last processed day.

    Each day's state carries into the next, so a corrected day changes every later one;
    `only` (replaying one day) is therefore allowed only for the last processed day.
    """
    done = succeeded_days(state)
    if not done:
        raise ReplayRefused("nothing has been processed yet: there is nothing to replay")
    earliest, last = min(done), max(done)
    if first < earliest:
        raise ReplayRefused(f"cannot replay from {first}: the first processed day is {earliest}")
    if first > last:
        raise ReplayRefused(
            f"cannot replay {first}: it has not been processed yet (last processed: {last})"
        )
    gap = next((d for d in days_between(first, last) if d not in done), None)
    if gap is not None:
        raise ReplayRefused(f"cannot replay {first}..{last}: {gap} has not been processed")
    if only and first < last:
        raise ReplayRefused(
            f"cannot replay only {first}: the days after it ({first + dt.timedelta(days=1)}.."
            f"{last}) were computed from its state; replay them with it: make replay FROM={first}"
        )
    latest = latest_succeeded(state)
    unrecorded = sorted(d for d, row in latest.items() if d < first and _identity(row) is None)
    if unrecorded:
        raise ReplayRefused(
            f"cannot replay from {first}: {len(unrecorded)} earlier day(s), from {unrecorded[0]}, "
            "were loaded by a version that kept no ticket history; rebuild it with "
            f"make replay FROM={earliest}"
        )
    return first, last


def latest_succeeded(state: pa.Table) -> dict[dt.date, dict]:
    """Each processed day's latest succeeded attempt."""
    rows = state.filter(pc.equal(state.column("status"), "succeeded")).to_pylist()
    latest: dict[dt.date, dict] = {}
    for row in rows:
        day = row["business_date"]
        if day not in latest or row["attempt"] > latest[day]["attempt"]:
            latest[day] = row
    return latest


def _identity(row: dict) -> FileIdentity | None:
    if row.get("file_crc32c") is None:
        return None  # loaded before file identities were recorded
    return FileIdentity(row["file_bytes"], row["file_crc32c"], row["file_generation"])


@dataclass(frozen=True)
class ChangedExtract:
    """A processed day whose landed file is no longer the one its run read."""

    day: dt.date
    recorded: FileIdentity
    landed: FileIdentity | None  # None: the file is gone

    def line(self) -> str:
        if self.landed is None:
            return f"{self.day}: the extract it was computed from is no longer in the landing"
        return (
            f"{self.day}: processed {self.recorded.size} bytes (crc32c {self.recorded.crc32c}), "
            f"now {self.landed.size} bytes (crc32c {self.landed.crc32c})"
        )


def changed_extracts(state: pa.Table, landed: dict[dt.date, FileIdentity]) -> list[ChangedExtract]:
    """The processed days whose landed file differs from the one recorded, in day order.

    Days loaded before identities were recorded are not judged.
    """
    changed = []
    for day, row in sorted(latest_succeeded(state).items()):
        recorded = _identity(row)
        if recorded is None:
            continue
        now = landed.get(day)
        if now is None or not now.same_content(recorded):
            changed.append(ChangedExtract(day, recorded, now))
    return changed
