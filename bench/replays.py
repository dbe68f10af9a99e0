"""Replays after a correction: `replay FROM=D` for the last 1, 7 and 30 days of the full
year, each on a copy of the loaded warehouse and on the warm session, beside what the
daily runs of the same days read. A replay reads the days' extracts and the state before
them from the ticket history, so its cost follows the days, not the year behind them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from bench.runs import Bench, Figure, timed
from jobs import state

SPANS = (1, 7, 30)


def replays(bench: Bench, landing: Path, loaded: Path, daily_seconds: dict) -> list[Figure]:
    from jobs import pipeline

    figures = []
    for days in SPANS:
        copy = bench.work / f"replay-{days}.duckdb"
        shutil.copy(loaded, copy)
        ctx = bench.context(landing, copy)
        done = state.latest_succeeded(ctx.warehouse.state())
        last = max(done)
        first = last - dt.timedelta(days=days - 1)
        history = ctx.warehouse.query(
            "SELECT count(*) AS n FROM tickets_raw WHERE business_date < @day", day=first
        ).to_pylist()[0]["n"]
        seconds, outcome = timed(lambda ctx=ctx, first=first: pipeline.replay(ctx, first))
        if not outcome.ok:
            raise SystemExit(f"bench: replay from {first} failed: {outcome.line()}")
        read = sum(f.rows_read for f in outcome.day_figures)
        daily_read = sum(done[d]["rows_read"] for d in state.days_between(first, last))
        daily = sum(daily_seconds.get(d, 0.0) for d in state.days_between(first, last))
        figures.append(
            (
                f"replay FROM={first} ({days} day{'s' if days > 1 else ''}, warm)",
                f"{seconds:.1f} s",
                f"rows_read {read}: {read / daily_read:.2f} x its daily runs' ({daily_read}; "
                f"{daily:.1f} s); raw history before it: {history} rows",
            )
        )
        copy.unlink()
    return figures
