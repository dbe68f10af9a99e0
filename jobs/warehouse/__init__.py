"""The warehouse interface: what a run needs from where the tables live.

Two implementations share one set of SQL statements (`statements.py`, written
in BigQuery's dialect): `duckdb.py` (the embedded default) and, in the cloud,
BigQuery. A run only ever reads the state table and a keyed slice of fact_tickets (a
replay: of fact_tickets_history as of the day before it); it writes its days by
one atomic `commit`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from jobs import schemas

if TYPE_CHECKING:
    import pyarrow as pa

# Every table a commit writes: all of schemas/tables.json, each staged before the commit.
STAGED_TABLES = tuple(schemas.tables())


class AlreadyCommitted(Exception):
    """Another run committed one of these days first; this commit changed nothing."""


@dataclass(frozen=True)
class Attempt:
    business_date: dt.date
    attempt: int


@dataclass
class Commit:
    """Everything one run writes for the days first_day..last_day, as Arrow tables."""

    run_id: str
    mode: str  # backfill | daily | replay
    first_day: dt.date
    last_day: dt.date
    tables: dict[str, pa.Table] = field(default_factory=dict)
    # The created_date range of every fact row the commit may touch, stored or new:
    # the MERGE reads only those partitions of fact_tickets.
    fact_created: tuple[dt.date, dt.date] | None = None
    # The earliest valid_from among the current history versions the run supersedes
    # (its tickets' stored last_business_date): the history partitions it updates.
    history_from: dt.date | None = None

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

    def prior_state(self, ticket_ids: pa.Table) -> pa.Table:
        """fact_tickets rows of open tickets and of the given tickets: a keyed read."""

    def state_as_of(self, day: dt.date, ticket_ids: pa.Table) -> pa.Table:
        """fact_tickets rows as they stood after `day`, of the tickets open then and of the
        given tickets, from fact_tickets_history: a replay's keyed read."""

    def versioned_tickets(self, first: dt.date, last: dt.date) -> pa.Table:
        """The ticket_id of every ticket with a version on a day of first..last."""

    def commit(self, commit: Commit) -> None:
        """Write the run's tables atomically, or raise and change nothing.

        Raises AlreadyCommitted when a day already succeeded (unless replaying).
        """

    def query(self, sql: str, **params) -> pa.Table:
        """Run a read-only query written in BigQuery's dialect."""
