"""An independent oracle: docs/kpis.md recomputed with plain DuckDB SQL from the CSVs.

Written from the spec alone (it does not import the pipeline), so tests can compare the
pipeline's tables with it and the benchmark can use it as a speed baseline.

    tables = recompute(landing, date(2025, 1, 1), date(2025, 10, 31), settings)
    tables["features_daily"], tables["backlog_daily"], ...

Python only reads the extracts (the `csv` module, RFC 4180) and runs `oracle.sql`, which
holds all the logic and reads top to bottom. `_reference.py` is a slow, literal day-by-day
model used by the tests to cross-check the SQL on random extracts.

Returned types:
- dates (`business_date`, `last_business_date`) are `datetime.date` objects (object dtype);
- timestamps are tz-aware pandas `datetime64[us, UTC]`;
- counts are int64; ratios and averages float64 (NaN when null);
- in `fact_tickets`, `reopen_count`/`csat_score` are nullable `Int64`, `sla_breached` is
  nullable `boolean`, `is_open` is `bool`, missing strings (agent_id) are None.

Where the spec leaves room, the oracle decides as follows:
- Records are what the csv module returns; blank lines (empty records) are not records.
  `record_number` counts records from 1 after the header, not physical lines.
- The header's names are trimmed and matched case-insensitively, in any order; a file
  without a header naming all 16 columns (or with a duplicate name) is unreadable and
  `recompute` raises ValueError; a missing day's file raises FileNotFoundError.
- A record with the wrong field count gets only the reason `malformed_row`.
- Reason codes (see `rejected_rows`) are the oracle's own names; compare rejected records,
  not codes, with the pipeline.
- Year 0000 is not a real date; a reopen_count too large for INT64 is rejected; csat '05'
  passes the literal rule (^[0-9]+$, value 1..5).
- reopen_count missing counts as 0 when looking for reopens, but stays null in fact_tickets.
- A version with a solved_at but an open status is not solved(D), has no resolution_hours and
  sla_breached null; so has a solved/closed version without solved_at.
- tickets_reopened counts every version of D whose reopen_count rose (also tickets seen for
  the first time with reopen_count > 0), so reopen_rate may exceed 1.
- sla_breach_pct = 100.0 * breached / solved; sla_compliance_pct = 100 - sla_breach_pct.
- agent_id is trimmed but case-sensitive. Resolution targets are rounded to microseconds.
- Processing starts from an empty state at first_day: entered_backlog(first_day) = open_eod.
"""

from __future__ import annotations

import csv
import gc
import operator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

__all__ = ["SOURCE_COLUMNS", "extract_path", "recompute", "rejected_rows"]

SQL_FILE = Path(__file__).with_name("oracle.sql")

SOURCE_COLUMNS = (
    "ticket_id",
    "created_at",
    "updated_at",
    "status",
    "priority",
    "category",
    "channel",
    "team",
    "agent_id",
    "customer_id",
    "customer_tier",
    "subject",
    "first_response_at",
    "solved_at",
    "reopen_count",
    "csat_score",
)

PRIORITIES = ("urgent", "high", "normal", "low")

# The source columns the definitions use; the others are not validated (docs/kpis.md).
USED_COLUMNS = (
    "ticket_id",
    "created_at",
    "updated_at",
    "status",
    "priority",
    "agent_id",
    "channel",
    "first_response_at",
    "solved_at",
    "reopen_count",
    "csat_score",
)

OUTPUTS = {
    "features_daily": ("business_date",),
    "daily_agent_load": ("business_date", "agent_id"),
    "backlog_daily": ("business_date",),
    "daily_ops_metrics": ("business_date",),
    "channel_daily": ("business_date", "channel"),
    "fact_tickets": ("ticket_id",),
    "day_counts": ("business_date",),
}


def extract_path(landing: Path, day: date) -> Path:
    """`<landing>/tickets/dt=YYYY-MM-DD/tickets_YYYY-MM-DD.csv` (docs/data-contract.md)."""
    iso = day.isoformat()
    return Path(landing) / "tickets" / f"dt={iso}" / f"tickets_{iso}.csv"


def recompute(landing: Path, first_day: date, last_day: date, settings) -> dict[str, pd.DataFrame]:
    """Process first_day..last_day in order from an empty state; return the KPI tables.

    Keys: features_daily, daily_agent_load, backlog_daily, daily_ops_metrics, channel_daily
    (docs/kpis.md columns), fact_tickets (state after last_day) and day_counts (business_date,
    rows_in, rows_accepted, rows_rejected), each sorted by its key.
    """
    with _run(landing, first_day, last_day, settings) as con:
        tables = {}
        for name, key in OUTPUTS.items():
            frame = con.sql(f"SELECT * FROM {name} ORDER BY {', '.join(key)}").df()
            tables[name] = _normalise(frame)
        return tables


def rejected_rows(landing: Path, first_day: date, last_day: date, settings) -> pd.DataFrame:
    """The rejected records: business_date, record_number (1-based, header excluded),
    ticket_id (trimmed, may be None) and reasons (list of the oracle's reason codes)."""
    with _run(landing, first_day, last_day, settings) as con:
        frame = con.sql("SELECT * FROM rejected_rows ORDER BY business_date, record_number").df()
        return _normalise(frame)


# --- running the SQL ------------------------------------------------------------------------


def _run(landing: Path, first_day: date, last_day: date, settings) -> duckdb.DuckDBPyConnection:
    if first_day > last_day:
        raise ValueError(f"first_day {first_day} is after last_day {last_day}")
    targets = {p: float(h) for p, h in settings.sla.resolution_hours.items()}
    if set(targets) != set(PRIORITIES):
        raise ValueError(f"resolution_hours must cover exactly {PRIORITIES}, got {sorted(targets)}")
    records = _read_extracts(Path(landing), first_day, last_day)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET VARIABLE tz = $1", [settings.time_zone])
        con.execute("SET VARIABLE first_day = CAST($1 AS DATE)", [first_day])
        con.execute("SET VARIABLE last_day = CAST($1 AS DATE)", [last_day])
        con.execute("CREATE TABLE sla_targets (priority VARCHAR, resolution_hours DOUBLE)")
        con.executemany("INSERT INTO sla_targets VALUES (?, ?)", list(targets.items()))
        con.register("raw_records", records)  # read once, into the parsed_rows table
        con.execute(SQL_FILE.read_text(encoding="utf-8"))
    except BaseException:
        con.close()
        raise
    return con


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("business_date", "last_business_date"):
        if column in frame:
            frame[column] = frame[column].dt.date
    for column in ("reopen_count", "csat_score"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    if "sla_breached" in frame:
        frame["sla_breached"] = frame["sla_breached"].astype("boolean")
    if "is_open" in frame:
        frame["is_open"] = frame["is_open"].astype(bool)
    return frame.reset_index(drop=True)


# --- reading the extracts -------------------------------------------------------------------


def _read_extracts(landing: Path, first_day: date, last_day: date) -> pa.Table:
    """Every record of every day's extract as strings, with its day and record number.

    Each day's file must exist (processing cannot skip a day). Blank lines (which the csv
    module returns as empty records) are not records. A record whose field count differs
    from the header's keeps the fields it has (missing ones are NULL); SQL rejects it.
    """
    rows: list[tuple] = []
    day = first_day
    collecting = gc.isenabled()
    gc.disable()  # half a million tuples: the cycle collector only slows this down
    try:
        while day <= last_day:
            path = extract_path(landing, day)
            if not path.is_file():
                raise FileNotFoundError(f"no extract for {day}: {path}")
            rows.extend(_read_extract(path, day))
            day += timedelta(days=1)
    finally:
        if collecting:
            gc.enable()
    names = ("business_date", "record_number", "field_count", "header_width", *USED_COLUMNS)
    types = (pa.date32(), pa.int64(), pa.int32(), pa.int32(), *[pa.string()] * len(USED_COLUMNS))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)})


def _read_extract(path: Path, day: date) -> list[tuple]:
    """(day, record_number, field_count, header_width, *USED_COLUMNS values) per record.

    The header must name all 16 source columns (in any order); otherwise the file is
    unreadable and the whole recomputation fails, as the pipeline fails the day.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)  # RFC 4180: ',' '"' doubled quotes, quoted newlines
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path}: no header row")
        header[0] = header[0].removeprefix("\ufeff")
        names = [name.strip(" \t\r\n").lower() for name in header]
        missing = [c for c in SOURCE_COLUMNS if c not in names]
        if missing or len(set(names)) != len(names):
            raise ValueError(f"{path}: unreadable header {header!r} (missing {missing})")
        width = len(header)
        positions = [names.index(c) for c in USED_COLUMNS]
        pick = operator.itemgetter(*positions)
        rows = []
        for record in reader:
            if not record:
                continue
            n = len(record)
            if n == width:
                values = pick(record)
            else:
                values = (record[i] if i < n else None for i in positions)
            rows.append((day, len(rows) + 1, n, width, *values))
        return rows
