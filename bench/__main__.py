"""`make bench`: the speed figures of the pipeline, with a plain DuckDB-SQL baseline.

Everything runs in one session, side by side, on private copies under
.local/bench/ (the user's warehouse is not touched). Medians over --repeats.
Sections (--sections, default all):

  core     the year at SCALE 1:
             data        generate the year
             baseline    every KPI of Jan-Oct recomputed with plain DuckDB SQL from the
                         CSVs (tests/oracle)
             backfill    `python -m jobs backfill` (Jan-Oct, cold process), over the baseline
             daily cold  `python -m jobs daily` in a new process (JVM start included), beside
                         what Spark alone costs such a process (bench/spark_floor.py)
             daily warm  Nov 1 - Dec 31 one day at a time on one warm Spark session
             flat cost   Dec 31 against Nov 1: seconds and rows_read; rows_read against day
                         + open backlog
             replays     replay FROM=D of the last 1, 7 and 30 days (bench/replays.py)
             warm JVM    the backfill run twice in one process: the second pass shows what
                         a JVM that has compiled everything needs
             make run    the whole `python -m workstation run` from no data (--skip-run)
  growth   the backfill at SCALE 0.5, 1, 2, 4 and 8, its tables against the oracle's, and
           its growth exponents (bench/growth.py)
  cluster  the backfill at SCALE 4 on a standalone cluster with a 1 GB driver, its tables
           several times the driver's heap (bench/cluster.py)
  years    two years: the last days of year 2 against the first of year 1 (bench/years.py)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench import cluster, growth, replays, years
from bench.process_tree import run_measured
from bench.runs import Bench, Figure, median
from jobs import config

NOV_1, DEC_31 = dt.date(2025, 11, 1), dt.date(2025, 12, 31)
SECTIONS = ("core", "growth", "cluster", "years")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-run", action="store_true", help="skip the end-to-end `make run`")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, of {', '.join(SECTIONS)} (run in that order)",
    )
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    work = config.REPO_ROOT / ".local" / "bench"
    shutil.rmtree(work, ignore_errors=True)
    bench = Bench(config.load("local"), work, args.repeats)
    figures: list[Figure] = []
    if "core" in sections:
        figures += core(bench, args.skip_run)
    if "growth" in sections:
        figures += growth.scale_series(bench)
    if "cluster" in sections:
        figures += cluster.at_size(bench)
    if "years" in sections:
        figures += years.two_years(bench)
    if bench.peaks:
        figures.append(
            ("peak memory of a job's process tree", f"{max(bench.peaks)} MB", "all jobs above")
        )

    width = max(len(name) for name, _, _ in figures)
    load = os.getloadavg()[0]
    print(f"\nbench ({os.cpu_count()} cores, medians of {args.repeats}, load average {load:.1f})")
    for name, value, note in figures:
        print(f"  {name:<{width}}  {value:>12}  {note}")
    return 0


def core(bench: Bench, skip_run: bool) -> list[Figure]:
    settings, work = bench.settings, bench.work
    landing, base = work / "landing", work / "after_backfill.duckdb"
    figures: list[Figure] = []

    seconds, _ = bench.job("data", landing=landing, warehouse=work / "unused.duckdb",
                           module="workstation")  # fmt: skip
    figures.append(("data: generate the year (SCALE=1)", f"{seconds:.1f} s", "target <= 15 s"))

    from tests.oracle import recompute

    baseline = median(
        bench.repeats,
        lambda: recompute(landing, settings.processing.start, dt.date(2025, 10, 31), settings),
    )
    figures.append(("baseline: DuckDB SQL recomputation of Jan-Oct KPIs", f"{baseline:.1f} s", ""))

    backfills, peaks = [], []
    for i in range(bench.repeats):
        warehouse = work / f"backfill_{i}.duckdb"
        seconds, peak = bench.job("backfill", landing=landing, warehouse=warehouse)
        backfills.append(seconds)
        peaks.append(peak.tree)
        if i == 0:
            shutil.copy(warehouse, base)
        warehouse.unlink()
    backfill = statistics.median(backfills)
    figures.append(("backfill Jan-Oct (cold process)", f"{backfill:.1f} s", "target <= 45 s"))
    figures.append(("backfill / baseline", f"{backfill / baseline:.1f} x", "Spark vs plain DuckDB"))
    figures.append(
        ("  peak memory of the backfill's process tree", f"{max(peaks)} MB", "target <= 3072 MB")
    )

    colds = []
    for i in range(bench.repeats):
        warehouse = work / f"cold_{i}.duckdb"
        shutil.copy(base, warehouse)
        seconds, _ = bench.job("daily", landing=landing, warehouse=warehouse)
        colds.append(seconds)
        warehouse.unlink()
    figures.append(
        ("daily, cold process (Nov 1)", f"{statistics.median(colds):.1f} s", "target <= 10 s")
    )
    floors = []
    for _ in range(bench.repeats):
        unused = work / "unused.duckdb"
        seconds, _ = bench.job(
            NOV_1.isoformat(), landing=landing, warehouse=unused, module="bench.spark_floor"
        )
        floors.append(seconds)
    figures.append(
        (
            "  Spark alone in a cold process",
            f"{statistics.median(floors):.1f} s",
            "session start + reading Nov 1's extract, no transform",
        )
    )

    warm, loaded, daily_seconds = _warm_days(bench, landing, base)
    figures += warm
    figures += replays.replays(bench, landing, loaded, daily_seconds)
    figures += _warm_backfill(bench, landing)

    if not skip_run:
        fresh = work / "run"
        env = {
            **os.environ,
            "TICKETS_LANDING": str(fresh / "landing"),
            "TICKETS_WAREHOUSE": str(fresh / "warehouse.duckdb"),
        }
        run = [sys.executable, "-m", "workstation", "run"]
        seconds, peak, done = run_measured(run, env, 1800)
        if done.returncode != 0:
            raise SystemExit(f"bench: `workstation run` failed:\n{done.stdout[-3000:]}")
        bench.peaks.append(peak.tree)
        figures.append(
            ("make run end to end (data not yet generated)", f"{seconds:.0f} s", "target <= 180 s")
        )
    return figures


def _warm_days(bench: Bench, landing: Path, base: Path):
    """Nov 1 - Dec 31 one day per run on one warm session, as `make simulate` does.

    Returns the figures, the loaded warehouse (the whole year) and each day's seconds."""
    from jobs import pipeline

    warehouse = bench.work / "warm.duckdb"
    shutil.copy(base, warehouse)
    ctx = bench.context(landing, warehouse)
    pipeline.daily(ctx, max_days=1)  # warms the JVM; Nov 1 is measured again below on a copy
    shutil.copy(base, warehouse)

    seconds: dict[dt.date, float] = {}
    while True:
        started = time.monotonic()
        outcome = pipeline.daily(ctx, max_days=1)
        if not outcome.committed:
            break
        seconds[outcome.committed[0]] = time.monotonic() - started
    store = ctx.warehouse
    state = {r["business_date"]: r for r in store.state().to_pylist() if r["status"] == "succeeded"}
    opened = {
        r["business_date"]: r["open_eod"]
        for r in store.query("SELECT business_date, open_eod FROM backlog_daily").to_pylist()
    }

    def bound(day: dt.date) -> int:
        # The extract, the open backlog before the day, and the tickets the extract touches.
        before = opened[day - dt.timedelta(days=1)]
        return state[day]["rows_in"] + before + state[day]["rows_upserted"]

    over_bound = [d for d in seconds if state[d]["rows_read"] > bound(d)]
    warm = statistics.median(seconds.values())
    first, last = seconds[NOV_1], seconds[DEC_31]
    read_first, read_last = state[NOV_1]["rows_read"], state[DEC_31]["rows_read"]
    figures = [
        (f"daily, warm session (median of {len(seconds)} days)", f"{warm:.2f} s", "target <= 2 s"),
        ("  Nov 1 / Dec 31 seconds", f"{first:.2f} / {last:.2f}", f"ratio {last / first:.2f}"),
        (
            "  Nov 1 / Dec 31 rows_read",
            f"{read_first} / {read_last}",
            f"Dec 31: {state[DEC_31]['rows_in']} rows in, "
            f"open backlog {opened[DEC_31 - dt.timedelta(days=1)]}",
        ),
        (
            "  days reading more than day + open backlog + touched",
            str(len(over_bound)),
            "the cost bound holds when 0",
        ),
    ]
    return figures, warehouse, seconds


def _warm_backfill(bench: Bench, landing: Path) -> list[Figure]:
    """The Jan-Oct backfill twice in this process, each time into an empty warehouse.

    The second pass runs on a JVM that has loaded, initialised and compiled all it
    needs: what is left is the work itself, a floor no tuning of a cold start beats.
    """
    from jobs import pipeline, spark

    settings = bench.settings
    first, last, passes = settings.processing.start, settings.simulation.backfill_to, []
    for i in range(2):
        ctx = bench.context(landing, bench.work / f"warm_backfill_{i}.duckdb")
        started = time.monotonic()
        if not pipeline.backfill(ctx, first, last).ok:
            raise SystemExit("bench: the in-process backfill failed")
        passes.append(time.monotonic() - started)
    spark.stop()
    return [
        (
            "  backfill Jan-Oct again in the same process",
            f"{passes[1]:.1f} s",
            f"a warm JVM (its first pass here: {passes[0]:.1f} s)",
        )
    ]


if __name__ == "__main__":
    raise SystemExit(main())
