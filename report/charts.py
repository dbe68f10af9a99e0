"""The report's charts: Vega-Lite specifications built with Altair from the query rows.

Each builder takes plain rows (from `queries.py`) and returns a `Figure`: a
title, one sentence on how to read it, and the Vega-Lite spec as a dict with
its data inlined (so the page needs no server and no network).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import altair as alt

from report.queries import AGE_BUCKETS

WIDTH = 980
DAY_AXIS = alt.Axis(title="business date", format="%d %b", labelOverlap=True, tickCount="month")
LINE_LEGEND = alt.Legend(symbolOpacity=1, symbolStrokeWidth=3, symbolSize=300)
DAY_TOOLTIP = alt.Tooltip("business_date:T", title="day", format="%a %d %b %Y")

# Older backlog is darker and redder: the eye goes to what has waited longest.
AGE_COLOURS = ("#c6dbef", "#6baed6", "#fdae6b", "#f16913", "#d94801", "#7f2704")
CREATED, SOLVED, REOPENED = "#4c78a8", "#54a24b", "#b279a2"
P50, P90, BREACH, TARGET = "#4c78a8", "#f58518", "#e45756", "#222222"


@dataclass(frozen=True)
class Figure:
    key: str  # html id
    title: str
    how_to_read: str
    spec: dict


def _day(value: dt.date) -> str:
    """A business date as a local-midnight timestamp, so every browser shows the same day."""
    return f"{value.isoformat()}T00:00:00"


def _with_days(rows: list[dict], *date_columns: str) -> list[dict]:
    """Copies of the rows with dates as timestamps and NaN as null (JSON has no NaN)."""
    out = []
    for row in rows:
        row = {
            k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()
        }
        for name in date_columns:
            if row.get(name) is not None:
                row[name] = _day(row[name])
        out.append(row)
    return out


def _spec(chart: alt.TopLevelMixin) -> dict:
    return (
        chart.configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12, gridColor="#eeeeee")
        .configure_title(fontSize=15, anchor="start", subtitleFontSize=12, subtitleColor="#555555")
        .configure_legend(orient="top", titleFontSize=12, labelFontSize=11)
        .to_dict()
    )


def backlog(rows: list[dict]) -> Figure:
    labels = dict(AGE_BUCKETS)
    order = {label: i for i, (_, label) in enumerate(AGE_BUCKETS)}
    values = _with_days(rows, "business_date")
    base = alt.Chart(alt.Data(values=values))
    areas = (
        base.transform_fold([c for c, _ in AGE_BUCKETS], as_=["bucket", "tickets"])
        .transform_calculate(
            age=_label_expr(labels),
            order=_order_expr(order, labels),
        )
        .mark_area()
        .encode(
            x=alt.X("business_date:T", axis=DAY_AXIS),
            y=alt.Y("tickets:Q", stack="zero", title="open tickets at end of day (count)"),
            color=alt.Color(
                "age:N",
                title="age of open ticket",
                scale=alt.Scale(domain=[label for _, label in AGE_BUCKETS], range=AGE_COLOURS),
                sort=[label for _, label in AGE_BUCKETS],
            ),
            order=alt.Order("order:Q", sort="ascending"),
            tooltip=[DAY_TOOLTIP, alt.Tooltip("age:N"), alt.Tooltip("tickets:Q", format=",")],
        )
    )
    past_due = base.mark_line(color="#222222", strokeDash=[4, 3], strokeWidth=1.5).encode(
        x="business_date:T",
        y="open_past_due:Q",
        tooltip=[
            DAY_TOOLTIP,
            alt.Tooltip("open_eod:Q", title="open at end of day", format=","),
            alt.Tooltip("open_past_due:Q", title="open past SLA due", format=","),
        ],
    )
    chart = alt.layer(areas, past_due).properties(
        width=WIDTH,
        height=320,
        title=alt.TitleParams(
            "Backlog snowball: tickets open at end of day, by age",
            subtitle="dashed line: open tickets already past their resolution target",
        ),
    )
    return Figure(
        "backlog",
        "Backlog snowball",
        "The height of the stack is the open backlog at the end of each business day; the darker "
        "bands are tickets that have waited longer, so a stack that grows and darkens is a backlog "
        "snowballing, and the dashed line counts tickets already past their resolution target.",
        _spec(chart),
    )


def _label_expr(labels: dict[str, str]) -> str:
    cases = " : ".join(f"datum.bucket === '{col}' ? '{label}'" for col, label in labels.items())
    return f"{cases} : datum.bucket"


def _order_expr(order: dict[str, int], labels: dict[str, str]) -> str:
    cases = " : ".join(
        f"datum.bucket === '{col}' ? {order[label]}" for col, label in labels.items()
    )
    return f"{cases} : 99"


def _daily_and_weekly_mean(
    base: alt.Chart, value: str, series: str, colour: alt.Color, y: alt.Y, tooltip: list
) -> alt.LayerChart:
    """Each series day by day as a thin line, and the mean of its last 7 days as a thick one."""
    daily = base.mark_line(strokeWidth=1, opacity=0.35).encode(
        x=alt.X("business_date:T", axis=DAY_AXIS), y=y, color=colour, tooltip=tooltip
    )
    weekly = (
        base.transform_window(
            mean=f"mean({value})",
            frame=[-6, 0],
            groupby=[series],
            sort=[{"field": "business_date"}],
        )
        .mark_line(strokeWidth=2.5)
        .encode(x="business_date:T", y="mean:Q", color=colour)
    )
    # weekly first: the legend shows the first layer's (thick) line
    return alt.layer(weekly, daily)


def volume(rows: list[dict]) -> Figure:
    values = _with_days(rows, "business_date")
    series = {"tickets_created": "created", "tickets_solved": "solved"}
    base = (
        alt.Chart(alt.Data(values=values))
        .transform_fold(list(series), as_=["measure", "tickets"])
        .transform_calculate(series="datum.measure === 'tickets_created' ? 'created' : 'solved'")
    )
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=["created", "solved"], range=[CREATED, SOLVED]),
        legend=LINE_LEGEND,
    )
    chart = _daily_and_weekly_mean(
        base,
        "tickets",
        "series",
        colour,
        alt.Y("tickets:Q", title="tickets per day (count)"),
        [DAY_TOOLTIP, alt.Tooltip("series:N"), alt.Tooltip("tickets:Q", format=",")],
    ).properties(
        width=WIDTH,
        height=260,
        title=alt.TitleParams(
            "Tickets created vs solved per day",
            subtitle="thin lines: each day; thick lines: mean of the last 7 days",
        ),
    )
    return Figure(
        "volume",
        "Created vs solved",
        "When the blue line (created) runs above the green one (solved), more work arrives than "
        "is finished and the backlog grows by the gap between them.",
        _spec(chart),
    )


def turnaround(rows: list[dict]) -> Figure:
    values = _with_days(rows, "business_date")
    base = (
        alt.Chart(alt.Data(values=values))
        .transform_fold(["tat_p50_hours", "tat_p90_hours"], as_=["measure", "hours"])
        .transform_calculate(
            percentile="datum.measure === 'tat_p50_hours' ? 'p50 (median)' : 'p90'"
        )
    )
    colour = alt.Color(
        "percentile:N",
        title=None,
        scale=alt.Scale(domain=["p50 (median)", "p90"], range=[P50, P90]),
        legend=LINE_LEGEND,
    )
    chart = _daily_and_weekly_mean(
        base,
        "hours",
        "percentile",
        colour,
        alt.Y("hours:Q", title="turnaround time of tickets solved that day (hours)"),
        [
            DAY_TOOLTIP,
            alt.Tooltip("percentile:N"),
            alt.Tooltip("hours:Q", format=".1f", title="hours"),
        ],
    ).properties(
        width=WIDTH,
        height=240,
        title=alt.TitleParams(
            "Turnaround time (TAT) per day, p50 and p90",
            subtitle="created → solved, in hours, over the tickets solved that day; "
            "thick lines: mean of the last 7 days",
        ),
    )
    return Figure(
        "tat",
        "Turnaround time",
        "Half of the tickets solved that day took less than the blue line (p50) and nine in ten "
        "took less than the orange line (p90); a rising p90 means the slowest tickets are getting "
        "slower.",
        _spec(chart),
    )


def sla_breach(rows: list[dict], target_pct: float) -> Figure:
    values = _with_days([r for r in rows if r.get("sla_breach_pct") is not None], "business_date")
    base = alt.Chart(alt.Data(values=values))
    over = alt.datum.sla_breach_pct > target_pct
    bars = base.mark_bar().encode(
        x=alt.X("yearmonthdate(business_date):T", axis=DAY_AXIS),
        y=alt.Y("sla_breach_pct:Q", title="solved tickets that breached the SLA (%)"),
        color=alt.condition(over, alt.value("#f4a3a2"), alt.value("#a9cbe6")),
        tooltip=[
            DAY_TOOLTIP,
            alt.Tooltip("sla_breach_pct:Q", title="SLA breach %", format=".1f"),
            alt.Tooltip("tickets_solved:Q", title="solved", format=","),
        ],
    )
    # 7-day breach % weighted by solved tickets: breaches / solved over the window.
    weekly = (
        base.transform_calculate(breaches="datum.sla_breach_pct * datum.tickets_solved / 100")
        .transform_window(
            breaches7="sum(breaches)",
            solved7="sum(tickets_solved)",
            frame=[-6, 0],
            sort=[{"field": "business_date"}],
        )
        .transform_calculate(breach7="100 * datum.breaches7 / datum.solved7")
        .mark_line(color=BREACH, strokeWidth=2.5)
        .encode(x="business_date:T", y="breach7:Q")
    )
    target = alt.Chart(alt.Data(values=[{"target": target_pct}]))
    rule = target.mark_rule(color=TARGET, strokeDash=[6, 4], strokeWidth=1.5).encode(y="target:Q")
    label = target.mark_text(align="left", dx=4, dy=-7, color=TARGET, fontWeight="bold").encode(
        y="target:Q", x=alt.value(0), text=alt.value(f"target {target_pct:g} %")
    )
    chart = alt.layer(bars, weekly, rule, label).properties(
        width=WIDTH,
        height=240,
        title=alt.TitleParams(
            "SLA breach % per day",
            subtitle=f"share of the day's solved tickets solved after their resolution target; "
            f"red bars: days above the {target_pct:g} % target; line: last 7 days",
        ),
    )
    return Figure(
        "sla",
        "SLA breach %",
        f"Each bar is the percentage of that day's solved tickets that missed their resolution "
        f"target and the red line is the same over the last 7 days; the dashed line is the "
        f"{target_pct:g} % target, so red bars and a line above it mean the SLA is being missed.",
        _spec(chart),
    )


def agent_load(rows: list[dict]) -> Figure:
    ends = [{**row, "week_end": row["week"] + dt.timedelta(days=7)} for row in rows]
    values = _with_days(ends, "week", "week_end")
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_rect()
        .encode(
            x=alt.X("week:T", axis=alt.Axis(title="week (starting Monday)", format="%d %b")),
            x2="week_end:T",
            y=alt.Y(
                "agent_id:N",
                title="agent",
                sort=alt.EncodingSortField("open_assigned_avg", op="mean", order="descending"),
                axis=alt.Axis(labelFontSize=9),
            ),
            color=alt.Color(
                "open_assigned_avg:Q",
                title="open tickets assigned at end of day (mean over the week)",
                scale=alt.Scale(scheme="orangered"),
                legend=alt.Legend(orient="top", gradientLength=300, titleLimit=500),
            ),
            tooltip=[
                alt.Tooltip("agent_id:N", title="agent"),
                alt.Tooltip("week:T", title="week of", format="%d %b %Y"),
                alt.Tooltip("open_assigned_avg:Q", title="open assigned (mean)", format=".1f"),
                alt.Tooltip("solved:Q", title="solved that week", format=","),
            ],
        )
        .properties(
            width=WIDTH,
            height={"step": 11},
            title=alt.TitleParams(
                "Agent load: open tickets assigned at end of day, per agent and week",
                subtitle="agents sorted by their average load, heaviest at the top",
            ),
        )
    )
    return Figure(
        "agents",
        "Agent load",
        "Each cell is how many open tickets the agent held at the end of the day, averaged over "
        "the week; dark rows are the agents carrying the most open work, and a column that darkens "
        "everywhere is the whole team falling behind.",
        _spec(chart),
    )


def pipeline(rows: list[dict]) -> Figure:
    values = _with_days(rows, "business_date")
    base = alt.Chart(alt.Data(values=values))
    ingested = base.mark_bar().encode(
        x=alt.X("yearmonthdate(business_date):T", axis=DAY_AXIS),
        y=alt.Y("rows_in:Q", title="extract rows ingested (count)"),
        color=alt.Color(
            "mode:N",
            title="loaded by",
            legend=alt.Legend(
                orient="top-left", direction="horizontal", fillColor="white", padding=4
            ),
            scale=alt.Scale(
                domain=["backfill", "daily", "replay"], range=["#9ecae1", "#4c78a8", "#b279a2"]
            ),
        ),
        tooltip=[
            DAY_TOOLTIP,
            alt.Tooltip("mode:N", title="loaded by"),
            alt.Tooltip("rows_in:Q", title="rows in", format=","),
            alt.Tooltip("rows_rejected:Q", title="rejected", format=","),
            alt.Tooltip("rows_read:Q", title="rows read", format=","),
            alt.Tooltip("failed_attempts:Q", title="failed attempts"),
        ],
    )
    read = base.mark_line(color="#f58518", strokeWidth=1.5).encode(
        x="business_date:T", y=alt.Y("rows_read:Q")
    )
    top = alt.layer(ingested, read).properties(
        width=WIDTH,
        height=200,
        title=alt.TitleParams(
            "Pipeline health: rows ingested per day",
            subtitle="bars: rows in the day's extract; orange line: rows the run read "
            "(extract + open backlog + looked-up facts)",
        ),
    )
    rejected = base.mark_bar(color=BREACH).encode(
        x=alt.X("yearmonthdate(business_date):T", axis=DAY_AXIS),
        y=alt.Y("rows_rejected:Q", title="rows rejected (count)"),
        tooltip=[DAY_TOOLTIP, alt.Tooltip("rows_rejected:Q", title="rejected", format=",")],
    )
    layers = [rejected]
    failed_days = [r for r in values if r["failed_attempts"]]
    if failed_days:  # an empty layer would make Vega warn about an infinite extent
        layers.append(
            alt.Chart(alt.Data(values=failed_days))
            .mark_rule(color="#222222", strokeWidth=2)
            .encode(
                x="business_date:T",
                tooltip=[DAY_TOOLTIP, alt.Tooltip("failed_attempts:Q", title="failed attempts")],
            )
        )
    bottom = alt.layer(*layers).properties(
        width=WIDTH,
        height=110,
        title=alt.TitleParams(
            "Rows rejected to quarantine per day",
            subtitle="black vertical lines: days with a failed attempt"
            if failed_days
            else "no day has a failed attempt",
        ),
    )
    chart = alt.vconcat(top, bottom, spacing=24).resolve_scale(x="shared")
    return Figure(
        "pipeline",
        "Pipeline health",
        "Bars are the rows each day's extract brought in and the red bars below are those "
        "quarantined as defective; a gap is a day not loaded, and a black line marks a day whose "
        "run failed at least once.",
        _spec(chart),
    )
