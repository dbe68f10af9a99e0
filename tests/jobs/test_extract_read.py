"""Reading extracts: every record of every file, numbered from 1 within its own file.

Records are numbered by their position in a one-file partition (jobs/extract.py), so
these tests read several files in one go, of different lengths, with quoted newlines
(a record longer than a line), at both sizes of run: a small run's layer (jobs/staging.py)
is one partition, a large run's one per 64 MB of extract (one here, for a few kB).
"""

from __future__ import annotations

import datetime as dt

import pytest

from jobs import extract, staging
from jobs.landing import extract_key
from jobs.landing.local import LocalLanding
from jobs.schemas import SOURCE_COLUMNS
from jobs.spark import SMALL_RUN_DAYS, tune_for
from tests.jobs.conftest import SETTINGS

HEADER = ",".join(SOURCE_COLUMNS)


def _record(ticket: str, subject: str = "plain") -> str:
    values = {c: "" for c in SOURCE_COLUMNS}
    values["ticket_id"] = ticket
    values["subject"] = subject
    return ",".join(values[c] for c in SOURCE_COLUMNS)


# Day -> the ticket ids of its records, in file order. The second record of Jan 2 spans
# three physical lines; it is still record 2, and the record after it is record 3.
FILES = {
    dt.date(2025, 1, 1): ["A1", "A2", "A3", "A4", "A5"],
    dt.date(2025, 1, 2): ["B1", "B2", "B3"],
    dt.date(2025, 1, 3): ["C1"],
    dt.date(2025, 1, 4): ["D1", "D2"],
    dt.date(2025, 1, 5): ["E1"],
    dt.date(2025, 1, 6): ["F1", "F2", "F3", "F4"],
}
MULTILINE = {"B2": '"two\nmore, lines\nhere"'}


@pytest.fixture
def landing(tmp_path):
    for day, tickets in FILES.items():
        path = tmp_path / extract_key(day)
        path.parent.mkdir(parents=True)
        lines = [HEADER] + [_record(t, MULTILINE.get(t, "plain")) for t in tickets]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return LocalLanding(tmp_path)


@pytest.mark.parametrize("days", [len(FILES), SMALL_RUN_DAYS + 1], ids=["small", "large"])
def test_records_are_numbered_within_their_own_file(spark, landing, days, tmp_path):
    tune_for(spark, SETTINGS, days)
    files = [extract.inspect(landing, day) for day in FILES]
    run = staging.RunStaging(spark, tmp_path.as_uri(), "run")
    frame = run.layer(extract.read(spark, files), "read", partitions=1)
    got = {
        (row["business_date"], row["line_number"]): row["ticket_id"]
        for row in frame.select("business_date", "line_number", "ticket_id").collect()
    }
    partitions = frame.rdd.getNumPartitions()
    frame.unpersist()
    expected = {
        (day, number): ticket
        for day, tickets in FILES.items()
        for number, ticket in enumerate(tickets, start=1)
    }
    assert got == expected
    assert partitions == 1


@pytest.mark.parametrize(
    ("size", "large", "partitions"),
    [(5_000, False, 1), (10**9, False, 1), (5_000, True, 1),
     (64 * 2**20, True, 1), (64 * 2**20 + 1, True, 2), (1000 * 2**20, True, 16)],
)  # fmt: skip
def test_a_layer_has_a_partition_per_64_mb_of_extract_in_a_large_run(size, large, partitions):
    assert staging.partitions_for(size, large) == partitions
