"""Two years of growth: is the last day of year 2 as cheap as the first day of year 1?

Two years are generated at SCALE 1 (year 2 holds about a quarter more tickets); a
warehouse is loaded through the days before the last DAYS of year 2 (in two-month
backfills); then, on one warm session, the first DAYS of year 1 (into an empty
warehouse) and the last DAYS of year 2 run one day at a time, alternating, so that the
JVM's warming favours neither. Seconds and rows_read, set against the cost bound."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics

from bench.runs import Bench, Figure, timed
from jobs import state

DAYS = 5
CHUNK_DAYS = 61


def two_years(bench: Bench) -> list[Figure]:
    from jobs import pipeline, spark

    folder = bench.work / "two-years"
    landing = folder / "landing"
    bench.job("data", landing=landing, warehouse=folder / "unused.duckdb", module="workstation",
              env={"TICKETS_YEARS": "2"})  # fmt: skip
    first = bench.settings.processing.start
    end = dt.date(first.year + 1, 12, 31)
    settings = dataclasses.replace(
        bench.settings, simulation=dataclasses.replace(bench.settings.simulation, end=end)
    )
    year_one = bench.context(landing, folder / "year-one.duckdb", settings)
    year_two = bench.context(landing, folder / "year-two.duckdb", settings)

    loaded_to = end - dt.timedelta(days=DAYS)
    chunk = first
    while chunk <= loaded_to:
        last = min(chunk + dt.timedelta(days=CHUNK_DAYS - 1), loaded_to)
        if not pipeline.backfill(year_two, chunk, last).ok:
            raise SystemExit(f"bench: the two-year backfill of {chunk}..{last} failed")
        chunk = last + dt.timedelta(days=1)

    early, late = [], []
    commits = {id(year_one): [], id(year_two): []}
    for ctx in (year_one, year_two):  # the warehouse's part, which could grow with history
        ctx.warehouse.commit = _timing(ctx.warehouse.commit, commits[id(ctx)])
    for _ in range(DAYS):
        for ctx, seconds in ((year_one, early), (year_two, late)):
            took, outcome = timed(lambda ctx=ctx: pipeline.daily(ctx, max_days=1))
            if not outcome.committed:
                raise SystemExit(f"bench: a two-year daily run did not commit: {outcome.line()}")
            seconds.append(took)
    spark.stop()
    commit_one = statistics.median(commits[id(year_one)])
    commit_two = statistics.median(commits[id(year_two)])

    rows = {
        name: state.latest_succeeded(ctx.warehouse.state())
        for name, ctx in (("one", year_one), ("two", year_two))
    }
    day_one, day_last = rows["one"][first], rows["two"][end]
    opened = {
        r["business_date"]: r["open_eod"]
        for r in year_two.warehouse.query(
            "SELECT business_date, open_eod FROM backlog_daily"
        ).to_pylist()
    }

    def bound(row: dict) -> int:
        return (
            row["rows_in"]
            + opened[row["business_date"] - dt.timedelta(days=1)]
            + row["rows_upserted"]
        )

    over = [d for d in state.days_between(end - dt.timedelta(days=DAYS - 1), end)
            if rows["two"][d]["rows_read"] > bound(rows["two"][d])]  # fmt: skip
    one, two = statistics.median(early), statistics.median(late)
    year_two_rows = year_two.warehouse.query(
        "SELECT count(*) AS n FROM fact_tickets_history"
    ).to_pylist()[0]["n"]
    return [
        (
            f"daily, first {DAYS} days of year 1 (warm, median)",
            f"{one:.2f} s",
            f"{first}: {day_one['rows_in']} rows in, rows_read {day_one['rows_read']}",
        ),
        (
            f"daily, last {DAYS} days of year 2 (warm, median)",
            f"{two:.2f} s",
            f"{end}: {day_last['rows_in']} rows in, rows_read {day_last['rows_read']}",
        ),
        ("  year 2's last days / year 1's first days", f"{two / one:.2f}", "target <= 1.2"),
        (
            "  of which the warehouse commit (median)",
            f"{commit_one:.2f} / {commit_two:.2f} s",
            f"year 1 / year 2; {year_two_rows} fact_tickets_history rows by then",
        ),
        (
            f"  {end}: rows_read against day + open backlog + touched",
            f"{day_last['rows_read']} / {bound(day_last)}",
            f"{len(over)} of the last {DAYS} days over the bound (target 0)",
        ),
    ]


def _timing(action, seconds: list[float]):
    def timed_action(*args):
        took, result = timed(lambda: action(*args))
        seconds.append(took)
        return result

    return timed_action
