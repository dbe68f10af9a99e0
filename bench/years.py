"""Two years of growth: is the last day of year 2 as cheap as the first day of year 1?

Two years are generated at SCALE 1 (year 2 holds about a quarter more tickets); a
warehouse is loaded through the days before the last DAYS of year 2 (in two-month
backfills), with a copy taken on the way before the last DAYS of year 1. Then, on one
warm session, three series run one day at a time, alternating so that the JVM's warming
favours none: the first DAYS of year 1 (into an empty warehouse), the last DAYS of
year 1, and the last DAYS of year 2. The target compares year 2's last days with year
1's first; year 1's last days are like for like (the same calendar days, a year of
history apart), which separates what the history costs from what the day's volume
costs. Seconds and rows_read, set against the cost bound."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
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
    end_of_one = dt.date(first.year, 12, 31)
    year_one = bench.context(landing, folder / "year-one.duckdb", settings)
    year_one_end = folder / "year-one-end.duckdb"
    year_two_file = folder / "year-two.duckdb"
    year_two = bench.context(landing, year_two_file, settings)

    loaded_to = end - dt.timedelta(days=DAYS)
    _load(year_two, first, end_of_one - dt.timedelta(days=DAYS))
    shutil.copy(year_two_file, year_one_end)
    _load(year_two, end_of_one - dt.timedelta(days=DAYS - 1), loaded_to)
    year_one_late = bench.context(landing, year_one_end, settings)

    series = {"one": year_one, "one_late": year_one_late, "two": year_two}
    seconds = {name: [] for name in series}
    commits = {name: [] for name in series}
    for name, ctx in series.items():  # the warehouse's part, which could grow with history
        ctx.warehouse.commit = _timing(ctx.warehouse.commit, commits[name])
    for _ in range(DAYS):
        for name, ctx in series.items():
            took, outcome = timed(lambda ctx=ctx: pipeline.daily(ctx, max_days=1))
            if not outcome.committed:
                raise SystemExit(f"bench: a two-year daily run did not commit: {outcome.line()}")
            seconds[name].append(took)
    spark.stop()
    commit = {name: statistics.median(took) for name, took in commits.items()}

    rows = {name: state.latest_succeeded(ctx.warehouse.state()) for name, ctx in series.items()}
    day_one, day_last = rows["one"][first], rows["two"][end]
    day_one_late = rows["one_late"][end_of_one]
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
    one, one_late, two = (statistics.median(seconds[name]) for name in ("one", "one_late", "two"))
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
            f"daily, last {DAYS} days of year 1 (warm, median)",
            f"{one_late:.2f} s",
            f"{end_of_one}: {day_one_late['rows_in']} rows in, "
            f"rows_read {day_one_late['rows_read']}",
        ),
        (
            "  year 2's last days / year 1's last days",
            f"{two / one_late:.2f}",
            f"the same days a year of history later; rows in x"
            f"{day_last['rows_in'] / day_one_late['rows_in']:.2f}",
        ),
        (
            "  of which the warehouse commit (median)",
            f"{commit['one']:.2f} / {commit['one_late']:.2f} / {commit['two']:.2f} s",
            f"year 1 first / last days, year 2 last days; {year_two_rows} "
            "fact_tickets_history rows by then",
        ),
        (
            f"  {end}: rows_read against day + open backlog + touched",
            f"{day_last['rows_read']} / {bound(day_last)}",
            f"{len(over)} of the last {DAYS} days over the bound (target 0)",
        ),
    ]


def _load(ctx, first: dt.date, last: dt.date) -> None:
    """Backfill first..last in two-month runs, as a deployment's history accumulates."""
    from jobs import pipeline

    chunk = first
    while chunk <= last:
        end = min(chunk + dt.timedelta(days=CHUNK_DAYS - 1), last)
        if not pipeline.backfill(ctx, chunk, end).ok:
            raise SystemExit(f"bench: the two-year backfill of {chunk}..{end} failed")
        chunk = end + dt.timedelta(days=1)


def _timing(action, seconds: list[float]):
    def timed_action(*args):
        took, result = timed(lambda: action(*args))
        seconds.append(took)
        return result

    return timed_action
