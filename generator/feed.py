"""From the simulated changes to the daily change-feed extracts (the rows of each file).

The extract for business day D holds, per ticket changed during D, its state as
of its last change in D (docs/data-contract.md). With events in ticket-major time order,
that is every event whose successor belongs to another ticket or another day.

Exports overlap, so a small share of tickets appears twice in a file: an exact
copy of the row, or an earlier state of the same day (earlier `updated_at`)
placed before or after the later one.

A `Feed` is a set of rows that each point at the event whose state they show.
Rows are ordered inside a file by `key` (the export cursor: normally the row's
`updated_at`), then ticket, then `tiebreak`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from generator.model import Events

DUPLICATE_SHARE = 0.006  # of rows, get a second row in the same file

BASE, COPY, EARLIER = 0, 1, 2  # Feed.origin


@dataclass(frozen=True)
class Feed:
    """Rows of the extracts, as parallel arrays (one entry per CSV record)."""

    event: np.ndarray  # int64 index into Events: the state the row shows
    day: np.ndarray  # int32 business day of the file holding the row
    key: np.ndarray  # int64 order inside the file
    tiebreak: np.ndarray  # int64 order among equal (key, ticket)
    origin: np.ndarray  # int8 BASE / COPY / EARLIER / defects.DEFECT_COPY / defects.PREVIOUS
    ticket: np.ndarray  # int32
    defect: np.ndarray  # int8 index into defects.KINDS, -1 for a valid row
    messy: np.ndarray  # int8 -1, or a valid-but-messy variant (defects.py)
    variant: np.ndarray  # int64 random draw choosing the defect/messy value

    @classmethod
    def of(cls, event, day, key, tiebreak, origin, ticket) -> Feed:
        n = len(event)
        return cls(
            event=np.asarray(event, dtype=np.int64),
            day=np.asarray(day, dtype=np.int32),
            key=np.asarray(key, dtype=np.int64),
            tiebreak=np.asarray(tiebreak, dtype=np.int64),
            origin=np.asarray(origin, dtype=np.int8),
            ticket=np.asarray(ticket, dtype=np.int32),
            defect=np.full(n, -1, dtype=np.int8),
            messy=np.full(n, -1, dtype=np.int8),
            variant=np.zeros(n, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.event)

    def concat(self, other: Feed) -> Feed:
        return Feed(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(self)
            }
        )

    def take(self, index: np.ndarray) -> Feed:
        return Feed(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def sorted(self) -> Feed:
        """File order: by day, then export cursor, ticket, tiebreak (a stable total order)."""
        order = np.lexsort((self.tiebreak, self.ticket, self.key, self.day))
        return self.take(order)

    def but(self, **changes) -> Feed:
        return replace(self, **changes)


def last_changes(events: Events) -> Feed:
    """One row per (ticket, day): the ticket's last change of the day."""
    n = len(events)
    index = np.arange(n, dtype=np.int64)
    nxt = np.r_[index[1:], n - 1]
    last = (events.ticket[nxt] != events.ticket) | (events.day[nxt] != events.day)
    if n:
        last[-1] = True
    chosen = index[last]
    return Feed.of(
        event=chosen,
        day=events.day[chosen],
        key=events.time[chosen],
        tiebreak=np.full(len(chosen), 2),
        origin=np.full(len(chosen), BASE),
        ticket=events.ticket[chosen],
    )


def duplicates(base: Feed, events: Events, rng) -> Feed:
    """Overlapping export rows: an exact copy, or an earlier state of the same day."""
    pick = np.flatnonzero(rng.random(len(base)) < DUPLICATE_SHARE)
    src = base.event[pick]
    prev = np.maximum(src - 1, 0)
    has_earlier = (
        (src > 0)
        & (events.ticket[prev] == events.ticket[src])
        & (events.day[prev] == events.day[src])
    )
    earlier = has_earlier & (rng.random(len(pick)) < 0.6)
    after = rng.random(len(pick)) < 0.5
    event = np.where(earlier, prev, src)
    # An earlier state sorts by its own time (before the later row) or right after the later row.
    key = np.where(earlier & ~after, events.time[prev], base.key[pick])
    tiebreak = np.where(earlier & ~after, 2, 3)
    return Feed.of(
        event=event,
        day=base.day[pick],
        key=key,
        tiebreak=tiebreak,
        origin=np.where(earlier, EARLIER, COPY),
        ticket=base.ticket[pick],
    )
