"""The SQL of a run, written once in BigQuery's dialect and built from schemas/.

The DuckDB warehouse transpiles these statements with sqlglot; BigQuery runs
them as they are. Staging table names are supplied by the caller (registered
Arrow tables locally, per-run staging tables in BigQuery).
"""

from __future__ import annotations

from collections.abc import Callable

from jobs.schemas import table

# Tables replaced day by day: a commit deletes the days it writes, then inserts.
DAY_TABLES = (
    "tickets_raw",
    "tickets_rejected",
    "features_daily",
    "daily_agent_load",
    "backlog_daily",
    "daily_ops_metrics",
)

ALREADY_COMMITTED = "ALREADY_COMMITTED"


def commit_statements(stage: Callable[[str], str], replaces: bool) -> list[str]:
    """The statements of one commit, to run inside a single transaction, in order.

    Parameters: @first_day, @last_day, @run_id.
    """
    statements = [] if replaces else [_guard_not_committed()]
    for name in DAY_TABLES:
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
    return (
        f"MERGE INTO fact_tickets AS t USING {staged} AS s ON t.ticket_id = s.ticket_id "
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
        "SELECT 1 FROM tickets_rejected AS q WHERE q.business_date = r.business_date "
        "AND q.source_uri = r.source_uri AND q.line_number = r.line_number)"
    )
