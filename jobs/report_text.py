"""What the command line prints: run outcomes, the state table, the year's summary."""

from __future__ import annotations

from jobs.config import Settings
from jobs.warehouse import Warehouse


def outcome_line(outcome) -> str:
    parts = []
    if outcome.committed:
        days = outcome.committed
        span = str(days[0]) if len(days) == 1 else f"{days[0]}..{days[-1]} ({len(days)} days)"
        rows_in = sum(f["rows_in"] for f in outcome.day_figures)
        rejected = sum(f["rows_rejected"] for f in outcome.day_figures)
        read = sum(f["rows_read"] for f in outcome.day_figures)
        parts.append(
            f"{outcome.mode}: committed {span}: {rows_in} rows in, {rejected} rejected, "
            f"{read} rows read, {outcome.seconds:.1f} s (run {outcome.run_id})"
        )
    if outcome.failed:
        day, error = outcome.failed
        parts.append(f"{outcome.mode}: FAILED {day}: {error}")
    if outcome.waiting_for:
        parts.append(
            f"{outcome.mode}: waiting for {outcome.waiting_for} (its extract has not arrived)"
        )
    if outcome.skipped and not outcome.committed:
        parts.append(f"{outcome.mode}: {outcome.skipped}")
    return "\n".join(parts) or f"{outcome.mode}: nothing to do"


def generation_line(summary, landing) -> str:
    if summary.skipped:
        return f"data: reusing {summary.days} extracts in {landing} (same scale and seed)"
    return (
        f"data: wrote {summary.days} extracts, {summary.rows} rows, "
        f"{summary.bytes / 1e6:.1f} MB to {landing} in {summary.seconds:.1f} s"
    )


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
