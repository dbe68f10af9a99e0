"""The SQL of a run, written once in BigQuery's dialect and built from schemas/.

The DuckDB warehouse transpiles these statements with sqlglot; BigQuery runs
them as they are. Staging table names are supplied by the caller (registered
Arrow tables locally, per-run staging tables in BigQuery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jobs.schemas import day_tables, table

ALREADY_COMMITTED = "ALREADY_COMMITTED"


def commit_statements(stage: Callable[[str], str], replaces: bool) -> list[str]:
    """The statements of one commit, to run inside a single transaction, in order.

    Parameters: @first_day, @last_day, @run_id, @fact_from, @fact_to.
    """
    statements = [] if replaces else [_guard_not_committed()]
    for name in day_tables():
        columns = ", ".join(table(name).column_names)
        statements.append(
            f"DELETE FROM {name} WHERE business_date BETWEEN @first_day AND @last_day"
        )
        statements.append(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {stage(name)}")
    statements.append(_merge_fact(stage("fact_tickets")))
    statements.append(_close_attempts(stage("ingestion_state")))
    return statements


def _guard_not_committed() -> str:
    # Runs inside the transaction, so of two concurrent runs for a day only one commits.
    return (
        f"SELECT ERROR(CONCAT('{ALREADY_COMMITTED}: ', CAST(MIN(business_date) AS STRING))) "
        "FROM ingestion_state "
        "WHERE business_date BETWEEN @first_day AND @last_day AND status = 'succeeded' "
        "HAVING COUNT(*) > 0"
    )


def _merge_fact(staged: str) -> str:
    columns = table("fact_tickets").column_names
    updates = ", ".join(f"{c} = s.{c}" for c in columns if c != "ticket_id")
    values = ", ".join(f"s.{c}" for c in columns)
    # A ticket's state never moves backwards: an older version does not overwrite a newer one.
    # The target is filtered to the created_date partitions of the run's tickets (old and
    # new rows alike, @fact_from..@fact_to), so a day never scans the whole fact table.
    return (
        f"MERGE INTO fact_tickets AS t USING {staged} AS s ON t.ticket_id = s.ticket_id "
        "AND t.created_date BETWEEN @fact_from AND @fact_to "
        f"WHEN MATCHED AND s.updated_at >= t.updated_at THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(columns)}) VALUES ({values})"
    )


def _close_attempts(staged: str) -> str:
    columns = [
        "status",
        "finished_at",
        "rows_in",
        "rows_rejected",
        "rows_upserted",
        "rows_read",
        "error",
    ]
    updates = ", ".join(f"{c} = s.{c}" for c in columns)
    return (
        f"UPDATE ingestion_state AS t SET {updates} FROM {staged} AS s "
        "WHERE t.business_date = s.business_date AND t.attempt = s.attempt AND t.run_id = @run_id"
    )


def prior_state_query() -> str:
    """Open tickets and the tickets of the run's extracts: the only fact rows a run reads."""
    return (
        "SELECT * FROM fact_tickets "
        "WHERE is_open OR ticket_id IN (SELECT id FROM UNNEST(@ticket_ids) AS id)"
    )


def landed_before_query() -> str:
    """Accepted raw rows of every day before @day (a replay rebuilds the state from them)."""
    return (
        "SELECT r.* FROM tickets_raw AS r "
        "WHERE r.business_date < @day AND NOT EXISTS ("
        "SELECT 1 FROM tickets_rejected AS q WHERE q.business_date < @day "
        "AND q.business_date = r.business_date "
        "AND q.source_uri = r.source_uri AND q.line_number = r.line_number)"
    )


def start_attempts_statement() -> str:
    """Record a `running` attempt per day, numbered after the day's earlier attempts.

    Parameters: @days (array), @first_day, @last_day, @mode, @run_id, @started_at, @batch_id.
    """
    return (
        "INSERT INTO ingestion_state "
        "(business_date, status, mode, run_id, attempt, started_at, batch_id) "
        "SELECT d, 'running', @mode, @run_id, COALESCE(p.last_attempt, 0) + 1, @started_at, "
        "@batch_id FROM UNNEST(@days) AS d LEFT JOIN ("
        "SELECT business_date, MAX(attempt) AS last_attempt FROM ingestion_state "
        "WHERE business_date BETWEEN @first_day AND @last_day GROUP BY business_date"
        ") AS p ON p.business_date = d"
    )


def started_attempts_query() -> str:
    """The attempts a run recorded and has not closed.

    Parameters: @run_id, @first_day, @last_day.
    """
    return (
        "SELECT business_date, attempt FROM ingestion_state "
        "WHERE business_date BETWEEN @first_day AND @last_day "
        "AND run_id = @run_id AND status = 'running' ORDER BY business_date"
    )


def end_attempts_statement(discard: bool) -> str:
    """Close a run's open attempts: removed (`discard`) or marked with @status and @error.

    Parameters: @days (array), @first_day, @last_day, @run_id, and unless discarding
    @status, @error, @finished_at.
    """
    where = (
        "WHERE business_date BETWEEN @first_day AND @last_day "
        "AND business_date IN UNNEST(@days) AND run_id = @run_id AND status = 'running'"
    )
    if discard:
        return f"DELETE FROM ingestion_state {where}"
    return (
        "UPDATE ingestion_state SET status = @status, error = @error, "
        f"finished_at = @finished_at {where}"
    )


def attempts_parameters(days: list[dt.date], run_id: str, **values) -> dict:
    """Parameters of the attempts' statements: the run's days, and `values` by name."""
    return {"days": days, "first_day": min(days), "last_day": max(days), "run_id": run_id, **values}
