"""Feed rows -> CSV text, with vectorised pyarrow string kernels.

Every column is a `pyarrow.large_string` array of ready-to-write field text:
values that need RFC 4180 quoting (only subjects do) are quoted in the lookup
table they come from, so joining the fields with "," gives valid CSV lines.
Timestamps are formatted `YYYY-MM-DDTHH:MM:SSZ` from a date table and a
time-of-day table (two `take`s and a join: much faster than strftime).
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator import vocabulary as V
from generator.business_days import DAY
from generator.feed import Feed
from generator.model import Events, Tickets

STRING = pa.large_string()
EMPTY = pa.scalar("", STRING)


def strings(table, codes) -> pa.Array:
    """`table[codes]` as a large_string array."""
    return pa.array(list(table), STRING).take(pa.array(np.asarray(codes, dtype=np.int64)))


@functools.cache
def _times_of_day() -> pa.Array:
    return pa.array(
        [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in range(DAY)], STRING
    )


def format_utc(seconds, present=None) -> pa.Array:
    """UTC seconds -> 'YYYY-MM-DDTHH:MM:SSZ'; '' where `present` is False."""
    seconds = np.asarray(seconds, dtype=np.int64)
    if present is not None:
        seconds = np.where(present, seconds, 0)
    if len(seconds) == 0:
        return pa.array([], STRING)
    day, second = np.divmod(seconds, DAY)
    first = int(day.min())
    dates = np.arange(first, int(day.max()) + 1).astype("datetime64[D]")
    date_table = pa.array(np.datetime_as_string(dates).tolist(), STRING)
    text = pc.binary_join_element_wise(
        date_table.take(pa.array(day - first)), _times_of_day().take(pa.array(second)), EMPTY
    )
    if present is not None:
        text = pc.if_else(pa.array(np.asarray(present, dtype=bool)), text, EMPTY)
    return text


def _numbered(prefix: str, count: int, digits: int) -> pa.Array:
    """prefix + zero-padded 1..count, e.g. T0000001."""
    numbers = pc.cast(pa.array(np.arange(1, count + 1, dtype=np.int64)), STRING)
    return pc.binary_join_element_wise(
        pa.scalar(prefix, STRING), pc.utf8_lpad(numbers, digits, "0"), EMPTY
    )


def columns(feed: Feed, events: Events, tickets: Tickets, n_agents: int, n_customers: int):
    """The 16 source columns of `feed`'s rows, as text, before defects."""
    e = feed.event
    t = pa.array(feed.ticket.astype(np.int64))
    subjects, _ = V.subject_pool()
    agent_code = np.where(events.assigned[e], tickets.agent[feed.ticket].astype(np.int64) + 1, 0)
    solved_at = events.solved_at[e]
    first_response = events.first_response[e]
    return {
        "ticket_id": _numbered("T", len(tickets), 7).take(t),
        "created_at": format_utc(tickets.created).take(t),
        "updated_at": format_utc(events.time[e]),
        "status": strings(V.STATUSES, events.status[e]),
        "priority": strings(V.PRIORITIES, tickets.priority[feed.ticket]),
        "category": strings(V.CATEGORY_NAMES, tickets.category[feed.ticket]),
        "channel": strings(V.CHANNELS, tickets.channel[feed.ticket]),
        "team": strings(V.TEAMS, tickets.team[feed.ticket]),
        "agent_id": pc.if_else(
            pa.array(agent_code > 0),
            pc.binary_join_element_wise(
                pa.scalar("A", STRING),
                pc.utf8_lpad(pc.cast(pa.array(agent_code), STRING), 3, "0"),
                EMPTY,
            ),
            EMPTY,
        ),
        "customer_id": _numbered("C", n_customers, 6).take(
            pa.array(tickets.customer[feed.ticket].astype(np.int64))
        ),
        "customer_tier": strings(V.TIERS, tickets.tier[feed.ticket]),
        "subject": strings([V.csv_field(s) for s in subjects], tickets.subject[feed.ticket]),
        "first_response_at": format_utc(first_response, first_response >= 0),
        "solved_at": format_utc(solved_at, solved_at >= 0),
        "reopen_count": strings([str(i) for i in range(10)], events.reopens[e]),
        "csat_score": strings(["", "1", "2", "3", "4", "5"], events.csat[e]),
    }


def lines(cols: dict[str, pa.Array], width: np.ndarray) -> pa.Array:
    """Join the fields of each row with ',' and end it with LF.

    A row with width w < 16 (a truncated line) keeps only its first w fields.
    """
    arrays = [cols[name] for name in V.COLUMNS]
    newline = pa.scalar("\n", STRING)
    full = len(V.COLUMNS)
    arrays[-1] = pc.binary_join_element_wise(arrays[-1], newline, EMPTY)
    for w in np.unique(width[width < full]):
        short = pa.array(width == w)
        last = int(w) - 1
        arrays[last] = pc.if_else(
            short, pc.binary_join_element_wise(arrays[last], newline, EMPTY), arrays[last]
        )
        for k in range(int(w), full):
            arrays[k] = pc.if_else(short, pa.scalar(None, STRING), arrays[k])
    return pc.binary_join_element_wise(*arrays, pa.scalar(",", STRING), null_handling="skip")
