"""The SQL of a run, written once in BigQuery's dialect and built from schemas/.

The DuckDB warehouse transpiles these statements with sqlglot; BigQuery runs
them as they are. Staging table names are supplied by the caller (views over the
run's Parquet files locally, per-run staging tables in BigQuery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jobs.schemas import day_tables, table

ALREADY_COMMITTED = "ALREADY_COMMITTED"


def commit_statements(stage: Callable[[str], str], replaces: bool) -> list[str]:
    """The statements of one commit, to run inside a single transaction, in order.

    Parameters: @first_day, @last_day, @day_before (the day before @first_day), @run_id,
    @fact_from, @fact_to, @history_from.

    A run always ends at the last processed day (a replay recomputes through it), so its
    days are the latest in every table: what it replaces has nothing after it.
    """
    statements = [] if replaces else [_guard_not_committed()]
    for name in day_tables():
        statements.append(
            f"DELETE FROM {name} WHERE business_date BETWEEN @first_day AND @last_day"
        )
        statements.append(_insert(name, stage(name)))
    if replaces:
        statements.append(_forget_replaced_facts())
    statements.append(_merge_fact(stage("fact_tickets")))
    if replaces:
        statements.extend(_forget_replaced_history())
    statements.append(_close_superseded_versions(stage("fact_tickets_history")))
    statements.append(_insert("fact_tickets_history", stage("fact_tickets_history")))
    statements.append(_close_attempts(stage("ingestion_state")))
    return statements


def _insert(name: str, staged: str) -> str:
    columns = ", ".join(table(name).column_names)
    return f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {staged}"


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


def _forget_replaced_facts() -> str:
    # A replay restages every ticket its days touched, before or after the correction
    # (the old versions are in the history): a ticket the corrected files no longer
    # mention goes back to its state before the replay, or away if it had none.
    return (
        "DELETE FROM fact_tickets WHERE ticket_id IN (SELECT ticket_id "
        "FROM fact_tickets_history WHERE valid_from BETWEEN @first_day AND @last_day)"
    )


def _forget_replaced_history() -> list[str]:
    # The replayed days' versions go, and the versions they had superseded are current
    # again until the replay's own versions supersede them.
    return [
        "DELETE FROM fact_tickets_history WHERE valid_from BETWEEN @first_day AND @last_day",
        "UPDATE fact_tickets_history SET valid_to = NULL "
        "WHERE valid_from < @first_day AND valid_to >= @day_before",
    ]


def _close_superseded_versions(staged: str) -> str:
    # A ticket's current version ends the day before its first version in this run. Its
    # valid_from is the stored fact row's last_business_date, at least @history_from:
    # the filter keeps BigQuery to those partitions.
    return (
        "UPDATE fact_tickets_history AS h "
        "SET valid_to = CAST(DATE_SUB(s.valid_from, INTERVAL 1 DAY) AS DATE) "
        f"FROM (SELECT ticket_id, MIN(valid_from) AS valid_from FROM {staged} "
        "GROUP BY ticket_id) AS s "
        "WHERE h.ticket_id = s.ticket_id AND h.valid_to IS NULL "
        "AND h.valid_from BETWEEN @history_from AND @day_before"
    )


def _close_attempts(staged: str) -> str:
    columns = [
        "status",
        "finished_at",
        "rows_in",
        "rows_rejected",
        "rows_upserted",
        "rows_read",
        "source_uri",
        "file_bytes",
        "file_crc32c",
        "file_generation",
        "error",
    ]
    updates = ", ".join(f"{c} = s.{c}" for c in columns)
    return (
        f"UPDATE ingestion_state AS t SET {updates} FROM {staged} AS s "
        "WHERE t.business_date = s.business_date AND t.attempt = s.attempt AND t.run_id = @run_id"
    )


def prior_state_query(keys: str) -> str:
    """Open tickets and the tickets of the run's extracts (the ticket_id of each row of
    the table `keys`): the only fact rows a run reads."""
    return (
        f"SELECT * FROM fact_tickets WHERE is_open OR ticket_id IN (SELECT ticket_id FROM {keys})"
    )


def state_as_of_query(keys: str) -> str:
    """Each ticket's version on @day, as fact_tickets rows: the tickets open that day and
    those of the table `keys` (a replay's prior state, read from the history instead of
    the raw rows)."""
    columns = [
        "valid_from AS last_business_date" if c == "last_business_date" else c
        for c in table("fact_tickets").column_names
    ]
    return (
        f"SELECT {', '.join(columns)} FROM fact_tickets_history "
        "WHERE valid_from <= @day AND (valid_to IS NULL OR valid_to >= @day) "
        f"AND (is_open OR ticket_id IN (SELECT ticket_id FROM {keys}))"
    )


def versioned_tickets_query() -> str:
    """The tickets with a version on a day of @first_day..@last_day."""
    return (
        "SELECT DISTINCT ticket_id FROM fact_tickets_history "
        "WHERE valid_from BETWEEN @first_day AND @last_day"
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
