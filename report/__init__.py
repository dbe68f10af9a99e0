"""The HTML report: the year's story at a glance, from the KPI tables (docs/kpis.md).

`write_report(settings, warehouse, path)` reads the KPI tables through
`Warehouse.query` (BigQuery dialect, so the same code serves DuckDB and
BigQuery), builds Vega-Lite charts with Altair and writes one self-contained
HTML file that opens offline.

    queries.py  the SQL, one query per chart
    charts.py   the Vega-Lite figures
    html.py     the page: header tiles, figures, inlined JavaScript
    summary.py  the year in figures, printed at the end of `make run`
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from jobs.config import REPO_ROOT, Settings
from jobs.warehouse import Warehouse
from report import charts, html, queries

SLA_BREACH_TARGET_PCT = 10.0


def default_path(settings: Settings) -> Path:
    """`.local/report.html` for the embedded default, `.local/report-<env>.html` otherwise."""
    name = "report.html" if settings.platform == "local" else f"report-{settings.name}.html"
    return REPO_ROOT / ".local" / name


def write_report(
    settings: Settings,
    warehouse: Warehouse,
    path: Path | None = None,
    sla_target_pct: float = SLA_BREACH_TARGET_PCT,
) -> Path:
    """Write the report to `path` (default: `default_path(settings)`) and return the path."""
    path = Path(path) if path is not None else default_path(settings)
    text = render_report(settings, warehouse, sla_target_pct=sla_target_pct)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
    return path


def render_report(
    settings: Settings, warehouse: Warehouse, sla_target_pct: float = SLA_BREACH_TARGET_PCT
) -> str:
    """The report's HTML as a string."""
    title = f"Operations tickets: the year at a glance ({settings.name})"
    generated = dt.datetime.now(dt.UTC).astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z")
    footer = (
        f"Generated {generated} from the KPI tables of dataset ops_analytics "
        f"(features_daily, backlog_daily, daily_agent_load, daily_ops_metrics, ingestion_state). "
        f"Business days are calendar days in {settings.time_zone}. "
        f"Charts: {html.library_versions()}, inlined; this file needs no network."
    )
    totals = queries.period(warehouse)
    if not totals["days"]:
        return html.page(
            title,
            "No business day has been processed yet.",
            [],
            [],
            footer,
            empty_message="Nothing to show yet: run `make backfill` or `make daily`, "
            "then write the report again.",
        )
    last_day = totals["last_day"]
    backlog_rows = queries.backlog(warehouse)
    feature_rows = queries.features(warehouse)
    figures = [
        charts.backlog(backlog_rows),
        charts.volume(feature_rows),
        charts.turnaround(feature_rows),
        charts.sla_breach(feature_rows, sla_target_pct),
        charts.agent_load(queries.agent_weeks(warehouse)),
        charts.pipeline(queries.pipeline(warehouse)),
    ]
    period = (
        f"Business days {totals['first_day']} to {last_day} "
        f"({totals['days']} days with KPIs), {settings.time_zone}. "
        f"Headline figures are for the whole period unless they say otherwise."
    )
    tiles = _tiles(totals, queries.recent(warehouse, last_day), backlog_rows, sla_target_pct)
    return html.page(title, period, tiles, figures, footer)


def _tiles(totals: dict, recent: dict, backlog_rows: list[dict], target: float) -> list[html.Tile]:
    last = backlog_rows[-1] if backlog_rows else None
    month_ago = _row_on_or_before(backlog_rows, totals["last_day"] - dt.timedelta(days=30))
    tiles = [
        html.Tile("tickets created", f"{totals['created']:,}", f"{totals['solved']:,} solved"),
    ]
    if last is not None:
        note = f"on {last['business_date']:%d %b %Y}"
        if month_ago is not None:
            change = last["open_eod"] - month_ago["open_eod"]
            note += f", {change:+,} in 30 days"
        tiles.append(html.Tile("open backlog", f"{last['open_eod']:,}", note))
        tiles.append(
            html.Tile(
                "open past SLA due",
                f"{last['open_past_due']:,}",
                f"{_pct(last['open_past_due'], last['open_eod'])} of the backlog",
                alert=last["open_past_due"] > 0,
            )
        )
    breach = recent["sla_breach_pct"]
    tiles.append(
        html.Tile(
            "SLA breach, last 30 days",
            "–" if breach is None else f"{breach:.1f} %",
            f"target {target:g} %, over {recent['solved'] or 0:,} solved",
            alert=breach is not None and breach > target,
        )
    )
    p50, p90 = recent["tat_p50_hours"], recent["tat_p90_hours"]
    tiles.append(
        html.Tile(
            "TAT p50 / p90, last 30 days",
            "–" if p50 is None else f"{p50:.0f} h / {p90:.0f} h",
            "mean of the daily percentiles",
        )
    )
    tiles.append(
        html.Tile(
            "rows ingested",
            f"{totals['rows_ingested']:,}",
            f"{totals['rows_rejected']:,} rejected "
            f"({_pct(totals['rows_rejected'], totals['rows_ingested'])})",
        )
    )
    return tiles


def _row_on_or_before(rows: list[dict], day: dt.date) -> dict | None:
    found = None
    for row in rows:
        if row["business_date"] <= day:
            found = row
    return found


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "–"
