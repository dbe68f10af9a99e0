"""The warehouse interface: what a run needs from where the tables live.

Two implementations share one set of SQL statements (`statements.py`, written
in BigQuery's dialect): `duckdb.py` (the embedded default) and, in the cloud,
BigQuery. A run only ever reads the state table and a keyed slice of fact_tickets (a
replay: of fact_tickets_history as of the day before it); it writes its days by
one atomic `commit`.

Tables move between Spark and the warehouse as Parquet files in the run's staging
(jobs/staging.py), written and read by Spark's executors: a location is a folder URI
(`file://` locally, `gs://` in the cloud) holding `*.parquet` files, beside which Spark
leaves `_SUCCESS` and `.crc` files that no reader takes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from jobs import schemas

if TYPE_CHECKING:
    import pyarrow as pa

# Every table a commit writes: all of schemas/tables.json, each staged before the commit.
STAGED_TABLES = tuple(schemas.tables())
# The tables whose rows Spark writes (all but ingestion_state, which the run's figures are).
SPARK_TABLES = tuple(name for name in STAGED_TABLES if name != "ingestion_state")


class AlreadyCommitted(Exception):
    """Another run committed one of these days first; this commit changed nothing."""


@dataclass(frozen=True)
class Attempt:
    business_date: dt.date
    attempt: int


@dataclass(frozen=True)
class DayFigures:
    """A committed day's row of ingestion_state (schemas/tables.json), as a run fills it."""

    business_date: dt.date
    status: str
    mode: str
    run_id: str
    attempt: int
    started_at: dt.datetime
    finished_at: dt.datetime
    rows_in: int
    rows_rejected: int
    rows_upserted: int
    rows_read: int
    batch_id: str | None
    source_uri: str
    file_bytes: int
    file_crc32c: str
    file_generation: int | None  # Cloud Storage only
    error: str | None


@dataclass
class Commit:
    """Everything one run writes for the days first_day..last_day: where each table's
    Parquet files are, and the few rows of ingestion_state, one per day."""

    run_id: str
    mode: str  # backfill | daily | replay
    first_day: dt.date
    last_day: dt.date
    # The location of each staged table but ingestion_state, and that table's rows.
    tables: dict[str, str] = field(default_factory=dict)
    days: list[DayFigures] = field(default_factory=list)
    # The created_date range of every fact row the commit may touch, stored or new:
    # the MERGE reads only those partitions of fact_tickets.
    fact_created: tuple[dt.date, dt.date] | None = None
    # The earliest valid_from among the current history versions the run supersedes
    # (its tickets' stored last_business_date): the history partitions it updates.
    history_from: dt.date | None = None

    def check_complete(self) -> None:
        """Refuse a commit that lacks a table: it would commit days without their rows."""
        missing = sorted(set(SPARK_TABLES) - set(self.tables))
        if not self.days:
            missing.append("ingestion_state")
        if missing:
            raise ValueError(f"commit lacks staged table(s): {', '.join(missing)}")

    def ingestion_state(self) -> pa.Table:
        """The days' rows of ingestion_state as Arrow, typed as schemas/ declares them."""
        import pyarrow as pa

        schema = schemas.table("ingestion_state").arrow_schema()
        return pa.Table.from_pylist([dataclasses.asdict(d) for d in self.days], schema=schema)

    @property
    def replaces(self) -> bool:
        """Only an explicit replay may overwrite days that already succeeded."""
        return self.mode == "replay"

    def parameters(self) -> dict:
        """The query parameters of the commit statements (statements.commit_statements)."""
        fact_from, fact_to = self.fact_created or (self.first_day, self.last_day)
        return {
            "first_day": self.first_day,
            "last_day": self.last_day,
            "day_before": self.first_day - dt.timedelta(days=1),
            "run_id": self.run_id,
            "fact_from": fact_from,
            "fact_to": fact_to,
            "history_from": self.history_from or self.first_day,
        }


class Warehouse(Protocol):
    def ensure_tables(self) -> None:
        """Create missing tables from schemas/ (in the cloud: verify they match)."""

    def state(self) -> pa.Table:
        """All ingestion_state rows."""

    def start_attempts(
        self, days: list[dt.date], mode: str, run_id: str, batch_id: str | None
    ) -> list[Attempt]:
        """Record a `running` attempt for each day; returns their attempt numbers."""

    def end_attempts(
        self, attempts: list[Attempt], run_id: str, status: str, error: str | None
    ) -> None:
        """Close attempts that did not commit: `failed` with the error, or removed (`discard`)."""

    def write_prior_state(self, keys: str, to: str) -> None:
        """Write to `to` the fact_tickets rows of open tickets and of the tickets whose
        ticket_id is in the Parquet at `keys`: a keyed read."""

    def write_state_as_of(self, day: dt.date, keys: str, to: str) -> None:
        """Write to `to` the fact_tickets rows as they stood after `day`, of the tickets
        open then and of those at `keys`, from fact_tickets_history: a replay's keyed read."""

    def write_versioned_tickets(self, first: dt.date, last: dt.date, to: str) -> None:
        """Write to `to` the ticket_id of every ticket with a version on a day of
        first..last."""

    def commit(self, commit: Commit) -> None:
        """Load the run's tables from their locations atomically, or raise and change
        nothing.

        Raises AlreadyCommitted when a day already succeeded (unless replaying).
        """

    def query(self, sql: str, **params) -> pa.Table:
        """Run a read-only query written in BigQuery's dialect."""
