"""A commit's rows of ingestion_state are typed, and typed as schemas/ declares them."""

import dataclasses
import datetime as dt

from jobs import schemas
from jobs.warehouse import Commit, DayFigures

DAY = dt.date(2025, 1, 1)
AT = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


PYTHON_TYPES = {"DATE": "dt.date", "TIMESTAMP": "dt.datetime", "INT64": "int", "STRING": "str"}


def test_a_days_figures_are_exactly_the_columns_of_ingestion_state():
    columns = schemas.table("ingestion_state").columns
    fields = dataclasses.fields(DayFigures)
    assert [f.name for f in fields] == [c.name for c in columns]
    for f, column in zip(fields, columns, strict=True):
        assert f.type.split(" | ")[0] == PYTHON_TYPES[column.type], f.name


def test_a_commits_days_become_its_ingestion_state_rows():
    day = DayFigures(
        business_date=DAY, status="succeeded", mode="daily", run_id="r1", attempt=2,
        started_at=AT, finished_at=AT, rows_in=10, rows_rejected=1, rows_upserted=7,
        rows_read=30, batch_id=None, source_uri="file:///x.csv", file_bytes=99,
        file_crc32c="abc", file_generation=1, error=None,
    )  # fmt: skip
    commit = Commit(run_id="r1", mode="daily", first_day=DAY, last_day=DAY, days=[day])
    table = commit.ingestion_state()
    assert table.schema == schemas.table("ingestion_state").arrow_schema()
    assert table.to_pylist() == [dataclasses.asdict(day)]
