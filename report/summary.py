"""The year in a few lines for the terminal: what `make run` prints at its end."""

from __future__ import annotations

from jobs.config import Settings
from jobs.warehouse import Warehouse


def year_summary(settings: Settings, warehouse: Warehouse) -> str:
    totals = warehouse.query(
        "SELECT COUNT(*) AS days, MIN(business_date) AS first_day, MAX(business_date) AS last_day, "
        "CAST(SUM(tickets_created) AS INT64) AS created, "
        "CAST(SUM(tickets_solved) AS INT64) AS solved, "
        "CAST(SUM(rows_ingested) AS INT64) AS rows_in, "
        "CAST(SUM(rows_rejected) AS INT64) AS rejected, "
        "AVG(sla_compliance_pct) AS sla, AVG(csat_avg) AS csat FROM daily_ops_metrics"
    ).to_pylist()[0]
    if not totals["days"]:
        return "summary: nothing processed yet (run make backfill or make daily)"
    months = warehouse.query(
        "WITH m AS (SELECT FORMAT_DATE('%Y-%m', business_date) AS month, "
        "CAST(SUM(tickets_created) AS INT64) AS created, "
        "CAST(SUM(tickets_solved) AS INT64) AS solved, "
        "AVG(sla_compliance_pct) AS sla, AVG(tat_p50_hours) AS tat_p50, "
        "MAX(business_date) AS last_day FROM daily_ops_metrics GROUP BY month) "
        "SELECT m.*, o.open_eod AS open_end FROM m "
        "JOIN daily_ops_metrics AS o ON o.business_date = m.last_day ORDER BY m.month"
    ).to_pylist()
    facts = warehouse.query(
        "SELECT COUNT(*) AS tickets, COUNTIF(is_open) AS open_now FROM fact_tickets"
    ).to_pylist()[0]
    state_rows = warehouse.state().to_pylist()
    succeeded = {r["business_date"] for r in state_rows if r["status"] == "succeeded"}
    lines = [
        f"Year summary ({settings.name}): {totals['first_day']} .. {totals['last_day']}, "
        f"{len(succeeded)} days succeeded",
        f"  tickets: {facts['tickets']} distinct, {totals['created']} created, "
        f"{totals['solved']} solved, {facts['open_now']} open now",
        f"  rows: {totals['rows_in']} ingested, {totals['rejected']} quarantined "
        f"({100.0 * totals['rejected'] / max(totals['rows_in'], 1):.2f} %)",
        f"  SLA compliance (mean of days): {totals['sla']:.1f} %   CSAT: {totals['csat']:.2f}",
        "  month     created   solved  open at end  SLA %   TAT p50 h",
    ]
    for m in months:
        lines.append(
            f"  {m['month']}  {m['created']:>8} {m['solved']:>8} {m['open_end']:>12} "
            f"{_num(m['sla'], 6, 1)} {_num(m['tat_p50'], 10, 1)}"
        )
    return "\n".join(lines)


def _num(value, width: int, digits: int) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else " " * (width - 1) + "-"
