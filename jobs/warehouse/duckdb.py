"""The embedded warehouse: one DuckDB file.

DuckDB lets one process at a time open a file for writing, so every operation
opens the file, does its work and closes it again (retrying while another
process holds it); within one process a lock per file serializes threads. A
commit is one DuckDB transaction: the Parquet files Spark's executors wrote to
the run's staging are read as views and the shared statements run between
BEGIN and COMMIT. Keyed reads go the other way: the query's rows are written as
Parquet to the run's staging, where the executors read them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot

from jobs import faults, schemas
from jobs.config import Settings
from jobs.warehouse import AlreadyCommitted, Attempt, Commit
from jobs.warehouse.statements import (
    ALREADY_COMMITTED,
    attempts_parameters,
    commit_statements,
    end_attempts_statement,
    prior_state_query,
    start_attempts_statement,
    started_attempts_query,
    state_as_of_query,
    versioned_tickets_query,
)

_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


# DuckDB's buffers for one connection, capped: it runs in the driver's process, next to
# Spark's JVM, and DuckDB's default (80 % of RAM) raised the run's peak
# (docs/performance.md). What does not fit spills to <warehouse>.tmp/.
MEMORY_LIMIT = "256MB"


@functools.cache
def to_duckdb(sql: str) -> str:
    """Transpile one statement from BigQuery's dialect."""
    return sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]


def _bound(sql: str, params: dict) -> tuple[str, dict]:
    """The statement in DuckDB's dialect, and the parameters it names."""
    statement = to_duckdb(sql)
    return statement, {name: params[name] for name in _PARAMETER.findall(statement)}


def from_settings(settings: Settings) -> DuckDBWarehouse:
    return DuckDBWarehouse(settings.local.warehouse)


class DuckDBWarehouse:
    def __init__(self, path: Path, busy_timeout_s: float = 120.0):
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s

    # -- connection handling -------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with _file_lock(self.path):
            con = self._open(read_only)
            try:
                con.execute("SET TimeZone = 'UTC'")
                yield con
            finally:
                con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            read_only = False  # nothing to read yet: create the file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.busy_timeout_s
        delay = 0.05
        while True:
            try:
                return duckdb.connect(
                    str(self.path), read_only=read_only, config={"memory_limit": MEMORY_LIMIT}
                )
            except duckdb.IOException as exc:
                # Another process has the file open; wait for it, within reason.
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _run(
        self, con: duckdb.DuckDBPyConnection, sql: str, params: dict
    ) -> duckdb.DuckDBPyConnection:
        return con.execute(*_bound(sql, params))

    # -- the Warehouse interface ---------------------------------------------

    def ensure_tables(self) -> None:
        """Create missing tables, and add the nullable columns a newer schema declares to a
        warehouse made before it (a required column cannot be added to stored rows)."""
        with self._connect() as con:
            for table in schemas.tables().values():
                con.execute(table.duckdb_ddl())
                stored = {
                    name
                    for (name,) in con.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                        [table.name],
                    ).fetchall()
                }
                for column in table.columns:
                    if column.name in stored:
                        continue
                    if column.mode == "REQUIRED":
                        raise RuntimeError(
                            f"{self.path}: table {table.name} lacks the required column "
                            f"{column.name} that schemas/{table.name}.json declares; "
                            "rebuild the warehouse (make clean, then make run)"
                        )
                    con.execute(
                        f"ALTER TABLE {table.name} ADD COLUMN {column.name} "
                        f"{schemas.duckdb_type(column)}"
                    )

    def state(self) -> pa.Table:
        with self._connect(read_only=True) as con:
            if not _has_table(con, "ingestion_state"):
                return schemas.table("ingestion_state").arrow_schema().empty_table()
            return con.execute(
                "SELECT * FROM ingestion_state ORDER BY business_date, attempt"
            ).to_arrow_table()

    def start_attempts(
        self, days: list[dt.date], mode: str, run_id: str, batch_id: str | None
    ) -> list[Attempt]:
        params = attempts_parameters(
            days, run_id, mode=mode, batch_id=batch_id, started_at=dt.datetime.now(dt.UTC)
        )
        with self._connect() as con:
            con.begin()
            self._run(con, start_attempts_statement(), params)
            started = self._run(con, started_attempts_query(), params).fetchall()
            con.commit()
        return [Attempt(day, attempt) for day, attempt in started]

    def end_attempts(
        self, attempts: list[Attempt], run_id: str, status: str, error: str | None
    ) -> None:
        days = [a.business_date for a in attempts]
        params = attempts_parameters(
            days, run_id, status=status, error=error, finished_at=dt.datetime.now(dt.UTC)
        )
        with self._connect() as con:
            self._run(con, end_attempts_statement(discard=status == "discard"), params)

    def write_prior_state(self, keys: str, to: str) -> None:
        self._write_keyed(prior_state_query, {}, keys, to)

    def write_state_as_of(self, day: dt.date, keys: str, to: str) -> None:
        self._write_keyed(state_as_of_query, {"day": day}, keys, to)

    def write_versioned_tickets(self, first: dt.date, last: dt.date, to: str) -> None:
        params = {"first_day": first, "last_day": last}
        with self._connect(read_only=True) as con:
            _copy_to(self._relation(con, versioned_tickets_query(), params), to)

    def _write_keyed(self, query, params: dict, keys: str, to: str) -> None:
        with self._connect(read_only=True) as con:
            _parquet_view(con, "run_keys", keys)
            _copy_to(self._relation(con, query("run_keys"), params), to)

    def _relation(self, con: duckdb.DuckDBPyConnection, sql: str, params: dict):
        statement, used = _bound(sql, params)
        return con.sql(statement, params=used or None)

    def commit(self, commit: Commit) -> None:
        commit.check_complete()
        params = commit.parameters()
        with self._connect() as con:
            # The Parquet the executors wrote, read inside the transaction: no table of the
            # run passes through Python.
            for name, location in commit.tables.items():
                _parquet_view(con, _stage(name), location)
            con.register(_stage("ingestion_state"), commit.ingestion_state())
            faults.point("commit:staged")
            con.begin()
            try:
                for number, sql in enumerate(commit_statements(_stage, replaces=commit.replaces)):
                    self._run(con, sql, params)
                    faults.point(f"commit:{number}")
                    injected = faults.failing_statement(f"commit:{number}")
                    if injected:
                        con.execute(to_duckdb(injected))
                con.commit()
                faults.point("commit:committed")
            except duckdb.Error as exc:
                con.rollback()
                if ALREADY_COMMITTED in str(exc):
                    raise AlreadyCommitted(
                        str(exc).split(f"{ALREADY_COMMITTED}: ", 1)[-1]
                    ) from None
                raise

    def query(self, sql: str, **params) -> pa.Table:
        with self._connect(read_only=True) as con:
            return self._run(con, sql, params).to_arrow_table()


def _stage(name: str) -> str:
    return f"stage_{name}"


def _local_path(location: str) -> Path:
    """The folder of a `file://` location (jobs/staging.py makes them from paths)."""
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme not in ("file", ""):
        raise ValueError(f"the DuckDB warehouse reads and writes local files, not {location}")
    return Path(urllib.request.url2pathname(parsed.path))


def _files(location: str) -> str:
    """The Parquet files of a location: Spark's `_SUCCESS` and `.crc` files are not."""
    return str(_local_path(location) / "*.parquet")


def _parquet_view(con: duckdb.DuckDBPyConnection, name: str, location: str) -> None:
    """A temporary view of a location's Parquet files: it lives and dies with the
    connection, so the warehouse file never keeps a view of a run's deleted staging (and a
    read-only connection may create one)."""
    path = _files(location).replace("'", "''")
    con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet('{path}')")


def _copy_to(relation: duckdb.DuckDBPyRelation, location: str) -> None:
    """Write a query's rows as one Parquet file in the folder `location`."""
    folder = _local_path(location)
    folder.mkdir(parents=True, exist_ok=True)
    relation.write_parquet(str(folder / "part-0.parquet"))


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    key = path.resolve()
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        yield
