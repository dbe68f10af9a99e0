"""An independent reading of the extracts for the generator tests.

It implements the docs/data-contract.md valid-row rules from their text, without using the
generator's code, so the tests check the files against the contract rather
than against the generator's own idea of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

HEADER = [
    "ticket_id", "created_at", "updated_at", "status", "priority", "category", "channel", "team",
    "agent_id", "customer_id", "customer_tier", "subject", "first_response_at", "solved_at",
    "reopen_count", "csat_score",
]  # fmt: skip
STATUSES = {"new", "open", "pending", "hold", "solved", "closed"}
OPEN_STATUSES = {"new", "open", "pending", "hold"}
PRIORITIES = {"urgent", "high", "normal", "low"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
INTEGER = re.compile(r"-?\d+")


@functools.lru_cache(maxsize=1 << 18)
def parse_ts(text: str) -> dt.datetime | None:
    """A UTC timestamp exactly as YYYY-MM-DDTHH:MM:SSZ (after trimming), else None."""
    text = text.strip()
    if not TIMESTAMP.fullmatch(text):
        return None
    try:
        return dt.datetime.fromisoformat(text)  # rejects 2025-02-30, 25:61, month 13, ...
    except ValueError:
        return None


@dataclass
class Row:
    day: dt.date  # the file's business day
    line: int  # record number in the file, from 1
    fields: list[str]
    reasons: list[str]

    @property
    def valid(self) -> bool:
        return not self.reasons

    def __getitem__(self, column: str) -> str:
        return self.fields[HEADER.index(column)]

    def ts(self, column: str) -> dt.datetime | None:
        return parse_ts(self[column])

    def norm(self, column: str) -> str:
        return self[column].strip().lower()


def reasons(fields: list[str], day: dt.date, zone: ZoneInfo) -> list[str]:
    """The §4a reason codes of one record ([] = valid)."""
    if len(fields) != len(HEADER):
        return ["malformed_row"]
    get = dict(zip(HEADER, fields, strict=True))
    found = []
    if not get["ticket_id"].strip():
        found.append("missing_ticket_id")
    created, updated = parse_ts(get["created_at"]), parse_ts(get["updated_at"])
    if created is None:
        found.append("bad_created_at")
    if updated is None:
        found.append("bad_updated_at")
    if get["status"].strip().lower() not in STATUSES:
        found.append("unknown_status")
    if get["priority"].strip().lower() not in PRIORITIES:
        found.append("unknown_priority")
    if created and updated and created > updated:
        found.append("updated_before_created")
    if updated and updated.astimezone(zone).date() != day:
        found.append("outside_day")
    if get["first_response_at"].strip() and parse_ts(get["first_response_at"]) is None:
        found.append("bad_first_response_at")
    if get["solved_at"].strip():
        solved = parse_ts(get["solved_at"])
        if solved is None:
            found.append("bad_solved_at")
        elif created and solved < created:
            found.append("solved_before_created")
    count = get["reopen_count"].strip()
    if count and not (INTEGER.fullmatch(count) and int(count) >= 0):
        found.append("bad_reopen_count")
    score = get["csat_score"].strip()
    if score and not (INTEGER.fullmatch(score) and 1 <= int(score) <= 5):
        found.append("bad_csat_score")
    return found


def read_file(path: Path, zone: ZoneInfo) -> tuple[list[str], list[Row]]:
    """Header and records of one extract (strict UTF-8, RFC 4180 via the csv module)."""
    day = dt.date.fromisoformat(path.parent.name.removeprefix("dt="))
    text = path.read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header, body = records[0], records[1:]
    return header, [Row(day, i, r, reasons(r, day, zone)) for i, r in enumerate(body, start=1)]


def files(landing: Path) -> list[Path]:
    return sorted((landing / "tickets").glob("dt=*/tickets_*.csv"))


def read_all(landing: Path, zone: ZoneInfo) -> list[Row]:
    rows = []
    for path in files(landing):
        rows.extend(read_file(path, zone)[1])
    return rows


def read_landing(landing: Path, zone: ZoneInfo) -> dict[Path, tuple[list[str], list[Row]]]:
    return {path: read_file(path, zone) for path in files(landing)}


def versions(rows: list[Row]) -> dict[dt.date, dict[str, Row]]:
    """Per day, per ticket: the version of D (valid row with the greatest updated_at; ties:
    the later line)."""
    result: dict[dt.date, dict[str, Row]] = {}
    for row in rows:
        if not row.valid:
            continue
        day = result.setdefault(row.day, {})
        key = row["ticket_id"].strip()
        best = day.get(key)
        if best is None or row.ts("updated_at") >= best.ts("updated_at"):
            day[key] = row
    return result
