"""Defect injection: the bad rows a real export contains, and valid-but-messy values.

A share `defect_rate` of all rows is defective. Each defective row has exactly
one kind, named by the reason code a reader applying the docs/data-contract.md valid-row
rules should give it:

    missing_ticket_id      ticket_id empty (or only spaces)
    bad_created_at         created_at unparseable or empty (2025-13-45T99:00:00Z, yesterday,
                           2025-02-30T10:00:00Z, ...)
    bad_updated_at         updated_at likewise
    unknown_status         status not in the enum (escalated, in_progress, ...)
    unknown_priority       priority not in the enum (P1, critical, ...)
    solved_before_created  solved_at earlier than created_at
    outside_day            updated_at not in the file's business day: a re-exported row of
                           the ticket's previous appearance, or updated_at moved to the next day
    bad_reopen_count       reopen_count negative or not an integer (-1, two)
    bad_csat_score         csat_score out of 1..5 or not an integer (0, 7, 4.5)
    malformed_row          a truncated line: only the first 4..12 fields

A defective row is either a corrupted *extra* copy of a row (the valid row stays
in the file) or the row itself corrupted *in place*. In-place corruption is
only used when the ticket appears again in a later file, and the last
appearance of every ticket is never corrupted, so no ticket disappears: its
final state always arrives valid. Corruption never unbalances quotes or writes
bad bytes: values are plain text and truncation cuts at field boundaries.

Valid but messy: a small share of valid rows carry their status or priority in
odd case or with surrounding spaces (` Open `, `HIGH`), which a careful reader
(trim, case-insensitive match) must accept.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator import vocabulary as V
from generator.business_days import HOUR, BusinessDays
from generator.feed import BASE, Feed
from generator.model import Events, Tickets
from generator.render import format_utc, strings

KINDS = (
    "missing_ticket_id",
    "bad_created_at",
    "bad_updated_at",
    "unknown_status",
    "unknown_priority",
    "solved_before_created",
    "outside_day",
    "bad_reopen_count",
    "bad_csat_score",
    "malformed_row",
)
(
    MISSING_TICKET_ID,
    BAD_CREATED_AT,
    BAD_UPDATED_AT,
    UNKNOWN_STATUS,
    UNKNOWN_PRIORITY,
    SOLVED_BEFORE_CREATED,
    OUTSIDE_DAY,
    BAD_REOPEN_COUNT,
    BAD_CSAT_SCORE,
    MALFORMED_ROW,
) = range(len(KINDS))
WEIGHTS = np.full(len(KINDS), 1.0 / len(KINDS))

DEFECT_COPY, PREVIOUS = 3, 4  # Feed.origin of extra defective rows
IN_PLACE_SHARE = 0.5  # of defects on rows whose ticket appears again later
MESSY_SHARE = 0.01  # of valid rows: odd case / spaces in status or priority

MISSING_IDS = ("", "", "   ")
BAD_TIMESTAMPS = (
    "{y}-13-45T99:00:00Z",
    "yesterday",
    "{y}-02-30T10:00:00Z",
    "",
    "{y}-06-31T12:00:00Z",
    "{y}-04-10T25:61:00Z",
    "not a date",
    "0000-00-00T00:00:00Z",
)
UNKNOWN_STATUSES = ("escalated", "in_progress", "deleted", "waiting", "reopened")
UNKNOWN_PRIORITIES = ("P1", "P3", "critical", "medium", "asap")
BAD_REOPEN_COUNTS = ("-1", "two", "-3", "one")
BAD_CSAT_SCORES = ("0", "7", "4.5", "10", "-1", "3.5")
MIN_FIELDS, MAX_FIELDS = 4, 12  # a truncated row keeps this many leading fields


def _messy(value: str) -> tuple[str, ...]:
    return (f" {value.title()} ", value.upper(), value.title(), f"{value} ", f" {value}")


MESSY_STYLES = 5


def inject(base: Feed, duplicates: int, rate: float, rng) -> tuple[Feed, Feed]:
    """Mark defects and messy values on `base` (the one-row-per-ticket-day feed, in
    event order) and make the extra defective rows.

    Returns (base with in-place marks, extra rows). `duplicates` is the number of
    duplicate rows the files will also hold, so the defect share is `rate` of all rows.
    """
    n = len(base)
    ticket = base.ticket
    later = np.zeros(n, dtype=bool)  # the ticket has a later row (another day)
    later[:-1] = ticket[1:] == ticket[:-1]
    earlier = np.zeros(n, dtype=bool)  # the ticket has an earlier row
    earlier[1:] = ticket[1:] == ticket[:-1]

    # Rows that become extra copies instead of in-place corruption, in expectation,
    # so that defective / all rows == rate.
    w_out = WEIGHTS[OUTSIDE_DAY]
    extra_prob = (1 - w_out) * (1 - IN_PLACE_SHARE * later) + w_out * (
        earlier + ~earlier * (1 - IN_PLACE_SHARE * later)
    )
    f = float(extra_prob.mean()) if n else 0.0
    p = rate * (n + duplicates) / max(n, 1) / (1 - rate * f)

    u = rng.random(n)
    kind_all = rng.choice(len(KINDS), size=n, p=WEIGHTS).astype(np.int8)
    variant_all = rng.integers(0, 1 << 30, size=n)
    coin = rng.random(n) < IN_PLACE_SHARE
    messy_u = rng.random(n)
    messy_style = rng.integers(0, 2 * MESSY_STYLES, size=n).astype(np.int8)
    before = rng.random(n) < 0.5

    chosen = u < p
    previous_copy = chosen & (kind_all == OUTSIDE_DAY) & earlier
    in_place = chosen & ~previous_copy & later & coin
    extra = chosen & ~in_place

    defect = np.where(in_place, kind_all, -1).astype(np.int8)
    messy = np.where(~chosen & (messy_u < MESSY_SHARE), messy_style, -1).astype(np.int8)
    marked = base.but(defect=defect, messy=messy, variant=np.where(chosen, variant_all, 0))

    rows = np.flatnonzero(extra)
    prev_row = np.maximum(rows - 1, 0)
    is_prev = previous_copy[rows]
    event = np.where(is_prev, base.event[prev_row], base.event[rows])
    extras = Feed.of(
        event=event,
        day=base.day[rows],
        key=np.where(is_prev, base.key[prev_row], base.key[rows]),
        tiebreak=np.where(before[rows], 1, 3),
        origin=np.where(is_prev, PREVIOUS, DEFECT_COPY),
        ticket=ticket[rows],
    ).but(defect=kind_all[rows], variant=variant_all[rows])
    return marked, extras


def corrupt(
    columns: dict[str, pa.Array],
    feed: Feed,
    events: Events,
    tickets: Tickets,
    timeline: BusinessDays,
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Write the defect and messy values into the rendered columns of `feed` (file order).

    Returns the columns and each row's number of fields (16, fewer when truncated).
    """
    cols = dict(columns)
    defect, variant = feed.defect, feed.variant
    row_year = timeline.year_of(feed.day)

    def put(name: str, mask: np.ndarray, values) -> None:
        if mask.any():
            cols[name] = pc.replace_with_mask(
                cols[name], pa.array(mask), pa.array(values, pa.large_string())
            )

    def pick(options, mask):
        # "{y}" in an option is the year of the row's file.
        years = sorted(set(row_year[mask].tolist())) or [timeline.year]
        table = [o.replace("{y}", str(y)) for y in years for o in options]
        offset = np.searchsorted(years, row_year[mask]) * len(options)
        return strings(table, offset + variant[mask] % len(options))

    m = defect == MISSING_TICKET_ID
    put("ticket_id", m, pick(MISSING_IDS, m))
    m = defect == BAD_CREATED_AT
    put("created_at", m, pick(BAD_TIMESTAMPS, m))
    m = defect == BAD_UPDATED_AT
    put("updated_at", m, pick(BAD_TIMESTAMPS, m))
    m = defect == UNKNOWN_STATUS
    put("status", m, pick(UNKNOWN_STATUSES, m))
    m = defect == UNKNOWN_PRIORITY
    put("priority", m, pick(UNKNOWN_PRIORITIES, m))
    m = defect == SOLVED_BEFORE_CREATED
    created = tickets.created[feed.ticket[m]]
    put("solved_at", m, format_utc(created - HOUR - variant[m] % (72 * HOUR)))
    m = (defect == OUTSIDE_DAY) & (feed.origin != PREVIOUS)
    time = events.time[feed.event[m]]
    day = feed.day[m]
    put("updated_at", m, format_utc(timeline.starts[day + 1] + (time - timeline.starts[day])))
    m = defect == BAD_REOPEN_COUNT
    put("reopen_count", m, pick(BAD_REOPEN_COUNTS, m))
    m = defect == BAD_CSAT_SCORE
    put("csat_score", m, pick(BAD_CSAT_SCORES, m))

    # Valid but messy: status (styles 0..4) or priority (styles 5..9) in odd case / spaces.
    messy = feed.messy
    m = (messy >= 0) & (messy < MESSY_STYLES)
    table = [s for value in V.STATUSES for s in _messy(value)]
    put("status", m, strings(table, events.status[feed.event[m]] * MESSY_STYLES + messy[m]))
    m = messy >= MESSY_STYLES
    table = [s for value in V.PRIORITIES for s in _messy(value)]
    code = tickets.priority[feed.ticket[m]].astype(np.int64)
    put("priority", m, strings(table, code * MESSY_STYLES + messy[m] - MESSY_STYLES))

    width = np.full(len(feed), len(V.COLUMNS), dtype=np.int8)
    m = defect == MALFORMED_ROW
    width[m] = MIN_FIELDS + variant[m] % (MAX_FIELDS - MIN_FIELDS + 1)
    return cols, width


def counts(feed: Feed) -> dict[str, int]:
    """Defective rows per kind (every kind listed, in KINDS order)."""
    found = np.bincount(feed.defect[feed.defect >= 0], minlength=len(KINDS))
    return {kind: int(c) for kind, c in zip(KINDS, found, strict=True)}


__all__ = ["BASE", "KINDS", "corrupt", "counts", "inject"]
