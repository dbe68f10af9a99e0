"""Re-delivered extracts for the correction tests: one day's file changed the way an
upstream fix changes it, with the ticket each change concerns.

Three corrections on the same day: a ticket that was solved is delivered open again
(reopened), one that was open is delivered solved, and one created that day is no
longer in the file. Only plain records are edited (no quotes, one physical line, a
valid row), and preferably tickets no later file mentions, so that their corrected
state carries into every later day's KPIs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from jobs.landing import extract_key
from jobs.schemas import SOURCE_COLUMNS

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
COLUMN = {name: i for i, name in enumerate(SOURCE_COLUMNS)}


@dataclass(frozen=True)
class Corrections:
    day: dt.date
    reopened: str
    solved: str
    removed: str


def _valid(fields: list[str], day: dt.date) -> bool:
    """The record passes validation (docs/data-contract.md), checked plainly."""
    value = {name: fields[i] for name, i in COLUMN.items()}
    starts, ends = f"{day - dt.timedelta(days=1)}T18:30:00Z", f"{day}T18:30:00Z"  # IST day
    return (
        re.fullmatch(r"T\d+", value["ticket_id"]) is not None
        and all(_TIMESTAMP.match(value[c]) for c in ("created_at", "updated_at"))
        and all(
            value[c] == "" or _TIMESTAMP.match(value[c]) for c in ("first_response_at", "solved_at")
        )
        and starts <= value["updated_at"] < ends
        and value["created_at"] <= value["updated_at"]
        and value["status"] in ("new", "open", "pending", "hold", "solved", "closed")
        and value["priority"] in ("urgent", "high", "normal", "low")
        and value["reopen_count"].isdigit()
        and value["csat_score"] in ("", "1", "2", "3", "4", "5")
    )


def _plain_records(text: str, day: dt.date) -> list[tuple[str, list[str]]]:
    """(line, fields) of every one-line, unquoted, valid record."""
    found = []
    for line in text.split("\n")[1:]:
        if '"' in line or "\r" in line or "\0" in line:
            continue
        fields = next(csv.reader(io.StringIO(line)), [])
        if len(fields) == len(SOURCE_COLUMNS) and _valid(fields, day):
            found.append((line, fields))
    return found


def _mentioned_after(landing: Path, day: dt.date, last: dt.date) -> set[str]:
    ids = set()
    current = day + dt.timedelta(days=1)
    while current <= last:
        text = (landing / extract_key(current)).read_text(encoding="utf-8", errors="replace")
        ids.update(re.findall(r"^(T\d+),", text, flags=re.M))
        current += dt.timedelta(days=1)
    return ids


def correct(landing: Path, day: dt.date, last: dt.date) -> Corrections:
    """Rewrite `day`'s extract under `landing` with the three corrections."""
    path = landing / extract_key(day)
    text = path.read_text(encoding="utf-8")
    records = _plain_records(text, day)
    counts: dict[str, int] = {}
    for ticket in re.findall(r"^(T\d+),", text, flags=re.M):
        counts[ticket] = counts.get(ticket, 0) + 1
    later = _mentioned_after(landing, day, last)
    # Tickets with one record in the file; those no later file mentions first.
    single = sorted(
        (r for r in records if counts[r[1][0]] == 1), key=lambda r: (r[1][0] in later, r[1][0])
    )
    used: set[str] = set()

    def pick(test) -> tuple[str, list[str]]:
        for line, fields in single:
            if fields[0] not in used and test(fields):
                used.add(fields[0])
                return line, fields
        raise AssertionError(f"no record on {day} for this correction")

    status = COLUMN["status"]
    reopen_line, reopen = pick(lambda f: f[status] in ("solved", "closed"))
    solve_line, solve = pick(lambda f: f[status] in ("open", "pending", "new"))
    created_that_day = f"{day - dt.timedelta(days=1)}T18:30:00Z"  # IST midnight, in UTC
    remove_line, remove = pick(lambda f: f[COLUMN["created_at"]] >= created_that_day)

    reopened = list(reopen)
    reopened[status] = "open"
    reopened[COLUMN["solved_at"]] = ""
    reopened[COLUMN["csat_score"]] = ""
    reopened[COLUMN["reopen_count"]] = str(int(reopen[COLUMN["reopen_count"]]) + 1)
    solved = list(solve)
    solved[status] = "solved"
    solved[COLUMN["solved_at"]] = solve[COLUMN["updated_at"]]
    for old, new in ((reopen_line, ",".join(reopened)), (solve_line, ",".join(solved))):
        text = text.replace(old + "\n", new + "\n", 1)
    text = text.replace(remove_line + "\n", "", 1)
    path.write_text(text, encoding="utf-8")
    return Corrections(day, reopened=reopen[0], solved=solve[0], removed=remove[0])
