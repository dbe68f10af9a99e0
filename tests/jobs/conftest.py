"""Shared fixtures for the unit tests of the pure transforms (docs/kpis.md).

One Spark session for the whole test session; `run_days` runs the transform
graph (jobs/graph.py, as the pipeline does) over hand-made raw rows and a prior
state, and returns every table as a list of plain dicts (collected once).

Business time zone Asia/Kolkata = UTC+05:30: business day D runs from
(D-1)T18:30:00Z to DT18:30:00Z, and end(D) = DT18:30:00Z.
Resolution targets: urgent 4 h, high 24 h, normal 72 h, low 168 h.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

import jobs.spark
from jobs import config, graph
from jobs.extract import CORRUPT_RECORD
from jobs.schemas import SOURCE_COLUMNS, table

SETTINGS = config.load("local")
TZ = SETTINGS.time_zone

RAW_SCHEMA = T.StructType(
    [T.StructField(c, T.StringType()) for c in SOURCE_COLUMNS]
    + [
        T.StructField(CORRUPT_RECORD, T.StringType()),
        T.StructField("business_date", T.DateType()),
        T.StructField("source_uri", T.StringType()),
        T.StructField("line_number", T.LongType()),
    ]
)
RAW_ARROW = pa.schema(
    [pa.field(c, pa.string()) for c in SOURCE_COLUMNS]
    + [
        pa.field(CORRUPT_RECORD, pa.string()),
        pa.field("business_date", pa.date32()),
        pa.field("source_uri", pa.string()),
        pa.field("line_number", pa.int64()),
    ]
)
FACT = table("fact_tickets")


def utc(text: str) -> dt.datetime:
    """'2025-03-05T10:00:00Z' -> aware UTC datetime (for expected values and prior rows)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def raw(
    day: str,
    line: int,
    ticket_id: str,
    created_at: str,
    updated_at: str,
    status: str = "open",
    priority: str = "normal",
    *,
    agent_id: str = "",
    first_response_at: str = "",
    solved_at: str = "",
    reopen_count: str = "0",
    csat_score: str = "",
    corrupt: str | None = None,
    **other: str,
) -> dict:
    """One extract record as landed: 16 strings plus lineage."""
    row = {
        "ticket_id": ticket_id,
        "created_at": created_at,
        "updated_at": updated_at,
        "status": status,
        "priority": priority,
        "category": "billing",
        "channel": "email",
        "team": "tier1",
        "agent_id": agent_id,
        "customer_id": "cust-1",
        "customer_tier": "standard",
        "subject": 'Refund, "again" — ça ne marche pas',
        "first_response_at": first_response_at,
        "solved_at": solved_at,
        "reopen_count": reopen_count,
        "csat_score": csat_score,
    }
    unknown = set(other) - set(SOURCE_COLUMNS)
    assert not unknown, unknown
    row.update(other)
    row[CORRUPT_RECORD] = corrupt
    row["business_date"] = dt.date.fromisoformat(day)
    row["source_uri"] = f"file:///landing/tickets/dt={day}/tickets_{day}.csv"
    row["line_number"] = line
    return row


def fact(**values) -> dict:
    """A fact_tickets row given by hand (derived columns included, written out)."""
    row = {c: None for c in FACT.column_names}
    row.update(
        category="billing",
        channel="email",
        team="tier1",
        customer_id="cust-1",
        customer_tier="standard",
        subject="old",
        run_id="prior-run",
    )
    for key, value in values.items():
        assert key in row, key
        if key in ("created_at", "updated_at", "first_response_at", "solved_at", "sla_due_at"):
            value = utc(value) if value else None
        if key in ("created_date", "last_business_date"):
            value = dt.date.fromisoformat(value)
        row[key] = value
    return row


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    session = jobs.spark.session(SETTINGS)
    jobs.spark.tune_for(session, SETTINGS, 1)
    return session


def raw_frame(spark: SparkSession, rows: list[dict]) -> DataFrame:
    return spark.createDataFrame(pa.Table.from_pylist(rows, schema=RAW_ARROW), schema=RAW_SCHEMA)


def fact_frame(spark: SparkSession, rows: list[dict]) -> DataFrame:
    schema = jobs.spark.spark_schema(FACT)
    if not rows:
        return spark.createDataFrame([], schema)
    return spark.createDataFrame(
        pa.Table.from_pylist(rows, schema=FACT.arrow_schema()), schema=schema
    )


def rows_of(frame: DataFrame, *key: str) -> list[dict]:
    """Collect once (through Arrow, timestamps stay UTC-aware), sorted by `key`."""
    out = frame.toArrow().to_pylist()
    return sorted(out, key=lambda r: tuple((r[k] is not None, r[k]) for k in key))


@dataclass
class Run:
    """Every table of a run (jobs/graph.py), collected as plain dicts, sorted by their key."""

    tables: dict[str, list[dict]]

    def __getitem__(self, name: str) -> list[dict]:
        return self.tables[name]

    def day(self, name: str, day: str) -> dict:
        """The single row of table `name` for business day `day`."""
        found = [r for r in self[name] if r["business_date"] == dt.date.fromisoformat(day)]
        assert len(found) == 1, (name, day, found)
        return found[0]

    def agents(self, day: str) -> dict[str, dict]:
        d = dt.date.fromisoformat(day)
        return {r["agent_id"]: r for r in self["daily_agent_load"] if r["business_date"] == d}


def run_days(
    spark: SparkSession, raw_rows: list[dict], first: str, last: str, prior: list[dict] = ()
) -> Run:
    """The transform graph (jobs/graph.py) over hand-made rows, every table collected."""
    first_d, last_d = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    prior_frame = fact_frame(spark, list(prior))
    built = graph.build(
        raw_frame(spark, raw_rows), SETTINGS, first_d, last_d, "test-run",
        dt.datetime(2025, 1, 1),
        read_prior=lambda touched: graph.Prior(prior_frame),  # every prior row given
        layer=lambda frame, name: frame.localCheckpoint(),
    )  # fmt: skip
    return Run({name: rows_of(frame, *table(name).key) for name, frame in built.tables.items()})


def upsert_state(state: list[dict], newer: list[dict]) -> list[dict]:
    """fact_tickets after a commit: a ticket's row is replaced only by a newer updated_at."""
    by_id = {r["ticket_id"]: r for r in state}
    for r in newer:
        old = by_id.get(r["ticket_id"])
        if old is None or r["updated_at"] >= old["updated_at"]:
            by_id[r["ticket_id"]] = r
    return sorted(by_id.values(), key=lambda r: r["ticket_id"])


def run_chained(spark: SparkSession, raw_rows: list[dict], days: list[str], prior: list[dict]):
    """One-day runs in order; each reads the prior a daily run reads (open tickets and the
    tickets of its extract) from the state left by the runs before it."""
    state, runs = list(prior), []
    for day in days:
        todays = [r for r in raw_rows if r["business_date"] == dt.date.fromisoformat(day)]
        ids = {r["ticket_id"].strip() for r in todays if r["ticket_id"]}
        read = [r for r in state if r["is_open"] or r["ticket_id"] in ids]
        result = run_days(spark, todays, day, day, read)
        runs.append(result)
        state = upsert_state(state, result["fact_tickets"])
    return runs, state


@pytest.fixture(scope="session")
def march(spark) -> Run:
    """The MARCH scenario (tests/jobs/scenarios.py) run as one 3-day range."""
    from .scenarios import MARCH_DAYS, MARCH_PRIOR, MARCH_RAW

    return run_days(spark, MARCH_RAW, MARCH_DAYS[0], MARCH_DAYS[-1], MARCH_PRIOR)


@pytest.fixture(scope="session")
def april(spark) -> Run:
    """The APRIL backlog scenario run as one 3-day range."""
    from .scenarios import APRIL_DAYS, APRIL_PRIOR, APRIL_RAW

    return run_days(spark, APRIL_RAW, APRIL_DAYS[0], APRIL_DAYS[-1], APRIL_PRIOR)
