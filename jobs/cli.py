"""The batch's command line: `python -m jobs [--env E] backfill|daily|replay`, run here.

This is what a Dataproc Serverless batch runs (dataproc_main.py hands it the
batch's arguments), and what the workstation commands run for a local
environment: each command runs the job in this process, against the
environment's landing and warehouse. Submitting batches and ticking the
deployed function are the workstation's (workstation/cli.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
import os
import sys

from jobs import config, logs, state

log = logging.getLogger("jobs")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = config.load(args.env)
        logs.configure(settings)
        return args.handler(settings, args)
    except (config.ConfigError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


class UsageError(Exception):
    """A request that cannot be carried out as asked."""


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    parser.add_argument(
        "--env", help="environment folder under env/ (default: $TICKETS_ENV or local)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_commands(commands)
    return parser


def add_commands(commands) -> None:
    """backfill, daily and replay, with their arguments (the workstation's CLI has them too)."""
    backfill = commands.add_parser(
        "backfill",
        help="load a range of days in one Spark job (default: the processing start through "
        "the simulation's backfill_to, or through yesterday in a real environment)",
    )
    backfill.add_argument("--from", dest="first", type=date)
    backfill.add_argument("--to", dest="last", type=date)
    backfill.set_defaults(handler=backfill_command)

    daily = commands.add_parser("daily", help="process the next pending day(s)")
    daily.add_argument("--max-days", type=int, default=1)
    daily.add_argument(
        "--day", type=date, help="process exactly this day, if it is the next pending one"
    )
    daily.set_defaults(handler=daily_command)

    replay = commands.add_parser(
        "replay",
        help="recompute processed days after their extracts were corrected: from a day "
        "through the last processed one, in one commit",
    )
    start = replay.add_mutually_exclusive_group(required=True)
    start.add_argument("--from", dest="first", type=date, help="the first day to recompute")
    start.add_argument(
        "--date", type=date, help="recompute only this day (allowed for the last processed day)"
    )
    replay.set_defaults(handler=replay_command)


def backfill_range(settings: config.Settings, args) -> tuple[dt.date, dt.date]:
    first = args.first or settings.processing.start
    last = args.last or state.default_backfill_end(settings)
    if first > last:
        raise UsageError(f"backfill range is empty: {first} is after {last}")
    return first, last


def backfill_command(settings: config.Settings, args) -> int:
    from jobs import pipeline

    first, last = backfill_range(settings, args)
    with _spark_stopped_at_exit():
        try:
            outcome = pipeline.backfill(_context(settings), first, last)
        except pipeline.RunError as exc:
            raise UsageError(str(exc)) from None
        return _finish(outcome)


def daily_command(settings: config.Settings, args) -> int:
    from jobs import pipeline

    if args.max_days < 1:
        raise UsageError("--max-days must be at least 1")
    if args.day is not None and args.max_days != 1:
        raise UsageError("--day processes exactly one day; drop --max-days")
    with _spark_stopped_at_exit():
        ctx = _context(settings, one_day=args.max_days == 1)
        outcome = pipeline.daily(ctx, max_days=args.max_days, only=args.day)
        _log_days(ctx, outcome)
        code = _finish(outcome)
    if args.day is not None and outcome.waiting_for == args.day:
        # The trigger saw this day's extract before starting the batch; if it is gone,
        # fail the batch so that the next tick may start another attempt for the day.
        return 1
    return code


def replay_command(settings: config.Settings, args) -> int:
    from jobs import pipeline

    with _spark_stopped_at_exit():
        ctx = _context(settings)
        try:
            outcome = pipeline.replay(ctx, args.first or args.date, only=args.first is None)
        except pipeline.RunError as exc:
            raise UsageError(str(exc)) from None
        _log_days(ctx, outcome)
        return _finish(outcome)


def _context(settings: config.Settings, one_day: bool = False):
    from jobs import pipeline, spark

    return pipeline.context_for(
        settings,
        functools.partial(spark.session, settings, one_day, write_archive=True),
        batch_id=os.environ.get(logs.BATCH_ID_VARIABLE) or None,
    )


def _finish(outcome) -> int:
    print(outcome.line())
    return 0 if outcome.ok else 1


def _log_days(ctx, outcome) -> None:
    """One log line per committed day with its figures (in the cloud: one JSON entry)."""
    if not outcome.committed:
        return
    open_eod = _open_backlog(ctx.warehouse, outcome.committed[0], outcome.committed[-1])
    for figures in outcome.day_figures:
        day = figures.business_date
        backlog = open_eod.get(day)
        log.info(
            "%s %s: %d rows in, %d rejected, %d rows read%s (run %s)",
            outcome.mode,
            day,
            figures.rows_in,
            figures.rows_rejected,
            figures.rows_read,
            "" if backlog is None else f", {backlog} open at end of day",
            figures.run_id,
            extra={
                "run_id": figures.run_id,  # each day of `--max-days N` is its own run
                "business_date": day.isoformat(),
                "mode": outcome.mode,
                "rows_in": figures.rows_in,
                "rows_rejected": figures.rows_rejected,
                "rows_upserted": figures.rows_upserted,
                "rows_read": figures.rows_read,
                "open_eod": backlog,
            },
        )


def _open_backlog(warehouse, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """open_eod of the committed days; the log line goes without it if it cannot be read."""
    try:
        rows = warehouse.query(
            "SELECT business_date, open_eod FROM backlog_daily "
            "WHERE business_date BETWEEN @first AND @last",
            first=first,
            last=last,
        ).to_pylist()
    except Exception as exc:  # a figure for a log line is not worth failing a run
        log.warning("could not read open_eod for %s..%s: %s", first, last, exc)
        return {}
    return {r["business_date"]: r["open_eod"] for r in rows}


class _spark_stopped_at_exit:
    """Stop Spark cleanly: the JVM ends now, and writes the class-data archive if none exists."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        from jobs import spark

        spark.stop()
        return False
