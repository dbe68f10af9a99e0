"""The report's reads: one BigQuery-dialect query per chart, run through `Warehouse.query`.

Every query reads the KPI tables of docs/kpis.md only (never fact_tickets or the
raw rows), so the report costs the same whatever the year's volume. SUMs are
cast to INT64 (DuckDB would return decimals). Each function returns plain rows
(`list[dict]`), dates as `datetime.date`.
"""

from __future__ import annotations

from jobs.warehouse import Warehouse

AGE_BUCKETS = (
    ("age_0_1d", "0–1 days"),
    ("age_1_3d", "1–3 days"),
    ("age_3_7d", "3–7 days"),
    ("age_7_14d", "7–14 days"),
    ("age_14_30d", "14–30 days"),
    ("age_30d_plus", "30+ days"),
)

PERIOD = """
SELECT
  COUNT(*) AS days,
  MIN(business_date) AS first_day,
  MAX(business_date) AS last_day,
  CAST(SUM(tickets_created) AS INT64) AS created,
  CAST(SUM(tickets_solved) AS INT64) AS solved,
  CAST(SUM(rows_ingested) AS INT64) AS rows_ingested,
  CAST(SUM(rows_rejected) AS INT64) AS rows_rejected
FROM daily_ops_metrics
"""

# SLA breach % over a window, weighted by the day's solved tickets (not a mean of days).
RECENT = """
SELECT
  COUNT(*) AS days,
  CAST(SUM(tickets_solved) AS INT64) AS solved,
  SUM(sla_breach_pct * tickets_solved) / NULLIF(SUM(tickets_solved), 0) AS sla_breach_pct,
  AVG(tat_p50_hours) AS tat_p50_hours,
  AVG(tat_p90_hours) AS tat_p90_hours
FROM features_daily
WHERE business_date > DATE_SUB(@last_day, INTERVAL 30 DAY) AND business_date <= @last_day
"""

BACKLOG = """
SELECT business_date, open_eod, open_past_due,
  age_0_1d, age_1_3d, age_3_7d, age_7_14d, age_14_30d, age_30d_plus
FROM backlog_daily
ORDER BY business_date
"""

FEATURES = """
SELECT business_date, tickets_created, tickets_solved, tickets_reopened,
  tat_p50_hours, tat_p90_hours, sla_breach_pct
FROM features_daily
ORDER BY business_date
"""

# Agent load per ISO week (weeks start on Monday): the mean of the days' open_assigned_eod.
AGENT_WEEKS = """
SELECT
  CAST(DATE_TRUNC(business_date, WEEK(MONDAY)) AS DATE) AS week,
  agent_id,
  AVG(open_assigned_eod) AS open_assigned_avg,
  CAST(SUM(tickets_solved) AS INT64) AS solved,
  COUNT(*) AS days
FROM daily_agent_load
WHERE agent_id IS NOT NULL
GROUP BY week, agent_id
ORDER BY week, agent_id
"""

# Pipeline health: the latest succeeded attempt of each day, and how many attempts failed.
PIPELINE = """
WITH succeeded AS (
  SELECT business_date, mode, rows_in, rows_rejected, rows_read
  FROM ingestion_state
  WHERE status = 'succeeded'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY business_date ORDER BY attempt DESC) = 1
),
failed AS (
  SELECT business_date, COUNT(*) AS failed_attempts
  FROM ingestion_state
  WHERE status = 'failed'
  GROUP BY business_date
)
SELECT
  COALESCE(s.business_date, f.business_date) AS business_date,
  s.mode,
  COALESCE(s.rows_in, 0) AS rows_in,
  COALESCE(s.rows_rejected, 0) AS rows_rejected,
  s.rows_read,
  COALESCE(f.failed_attempts, 0) AS failed_attempts
FROM succeeded AS s
FULL OUTER JOIN failed AS f ON f.business_date = s.business_date
ORDER BY business_date
"""


def _rows(warehouse: Warehouse, sql: str, **params) -> list[dict]:
    return warehouse.query(sql, **params).to_pylist()


def period(warehouse: Warehouse) -> dict:
    return _rows(warehouse, PERIOD)[0]


def recent(warehouse: Warehouse, last_day) -> dict:
    return _rows(warehouse, RECENT, last_day=last_day)[0]


def backlog(warehouse: Warehouse) -> list[dict]:
    return _rows(warehouse, BACKLOG)


def features(warehouse: Warehouse) -> list[dict]:
    return _rows(warehouse, FEATURES)


def agent_weeks(warehouse: Warehouse) -> list[dict]:
    return _rows(warehouse, AGENT_WEEKS)


def pipeline(warehouse: Warehouse) -> list[dict]:
    return _rows(warehouse, PIPELINE)
