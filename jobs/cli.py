"""Command line: `python -m jobs <command>`; the Makefile targets call these.

Entry points only parse arguments and wire things together; the work happens
in jobs.pipeline, jobs.generator, jobs.simulate and jobs.summary.

For a cloud environment (platform "gcp") run from a workstation, `backfill`
submits a Dataproc Serverless batch that runs the backfill, and `daily` sends the
deployed trigger function one tick, as Cloud Scheduler does. Inside a batch
(infra/runtime/dataproc_main.py sets TICKETS_IN_BATCH=1) and for local
environments, every command runs the job in this process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import logging
import os
import sys
from pathlib import Path

from jobs import config, logs, progress, resources

log = logging.getLogger("jobs")
IN_BATCH_VARIABLE = "TICKETS_IN_BATCH"  # set by the Dataproc batch entry point


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "upload":
        args.upload_args = extra  # parsed by jobs.upload's own arguments, once imported
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        settings = config.load(args.env)
        logs.configure(settings)
        return args.handler(settings, args)
    except (config.ConfigError, _UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


class _UsageError(Exception):
    pass


def in_batch() -> bool:
    """True inside a Dataproc Serverless batch (set by infra/runtime/dataproc_main.py)."""
    return os.environ.get(IN_BATCH_VARIABLE) == "1"


def _submits_to_cloud(settings: config.Settings) -> bool:
    """A cloud environment driven from outside a batch: hand the work to the cloud."""
    return settings.platform == "gcp" and not in_batch()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    parser.add_argument(
        "--env", help="environment folder under env/ (default: $TICKETS_ENV or local)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="generate the simulated year's extracts")
    data.add_argument("--scale", type=float)
    data.add_argument("--seed", type=int)
    data.set_defaults(handler=_data)

    backfill = commands.add_parser(
        "backfill",
        help="load a range of days in one Spark job (default: the processing start through "
        "the simulation's backfill_to, or through yesterday in a real environment)",
    )
    backfill.add_argument("--from", dest="first", type=_date)
    backfill.add_argument("--to", dest="last", type=_date)
    backfill.set_defaults(handler=_backfill)

    daily = commands.add_parser("daily", help="process the next pending day(s)")
    daily.add_argument("--max-days", type=int, default=1)
    daily.add_argument(
        "--day", type=_date, help="process exactly this day, if it is the next pending one"
    )
    daily.add_argument(
        "--url", help="cloud envs: the trigger function's URL (default: $FUNCTION_URL)"
    )
    daily.set_defaults(handler=_daily)

    replay = commands.add_parser("replay", help="reprocess one day that already ran")
    replay.add_argument("--date", type=_date, required=True)
    replay.set_defaults(handler=_replay)

    simulate = commands.add_parser(
        "simulate", help="tick the trigger function until nothing is pending"
    )
    simulate.add_argument("--max-ticks", type=int, default=1000)
    simulate.set_defaults(handler=_simulate)

    status = commands.add_parser("status", help="show ingestion_state")
    status.set_defaults(handler=_status)

    summary = commands.add_parser("summary", help="print a summary of the processed year")
    summary.set_defaults(handler=_summary)

    report = commands.add_parser("report", help="write the HTML report")
    report.add_argument("--out", type=Path, help="where to write it (default .local/report.html)")
    report.set_defaults(handler=_report)

    # jobs/upload.py owns its arguments; it is imported only when the command runs.
    upload = commands.add_parser(
        "upload", help="upload the local extracts to the landing bucket", add_help=False
    )
    upload.set_defaults(handler=_upload, upload_args=[])

    run = commands.add_parser("run", help="data, backfill, simulate, summary")
    run.set_defaults(handler=_run)
    return parser


def _context(settings: config.Settings, one_day: bool = False):
    from jobs import pipeline, spark

    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return pipeline.Context(
        settings=settings,
        landing=resources.landing_for(settings),
        warehouse=warehouse,
        batch_id=os.environ.get(logs.BATCH_ID_VARIABLE) or None,
        start_spark=functools.partial(spark.session, settings, one_day, write_archive=True),
    )


def _finish(outcome) -> int:
    from jobs import report_text

    print(report_text.outcome_line(outcome))
    return 0 if outcome.ok else 1


def _log_days(ctx, outcome) -> None:
    """One log line per committed day with its figures (in the cloud: one JSON entry)."""
    if not outcome.committed:
        return
    open_eod = _open_backlog(ctx.warehouse, outcome.committed[0], outcome.committed[-1])
    for figures in outcome.day_figures:
        day = figures["business_date"]
        backlog = open_eod.get(day)
        log.info(
            "%s %s: %d rows in, %d rejected, %d rows read%s (run %s)",
            outcome.mode,
            day,
            figures["rows_in"],
            figures["rows_rejected"],
            figures["rows_read"],
            "" if backlog is None else f", {backlog} open at end of day",
            figures["run_id"],
            extra={
                "run_id": figures["run_id"],  # each day of `--max-days N` is its own run
                "business_date": day.isoformat(),
                "mode": outcome.mode,
                "rows_in": figures["rows_in"],
                "rows_rejected": figures["rows_rejected"],
                "rows_upserted": figures["rows_upserted"],
                "rows_read": figures["rows_read"],
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


def _data(settings: config.Settings, args) -> int:
    from jobs.generator import generate

    if settings.platform != "local":
        raise _UsageError("data is generated into the local landing folder; use ENV=local")
    summary = generate(
        settings,
        settings.local.landing,
        scale=args.scale,
        seed=args.seed,
        progress=progress.per_call("data", "files"),
    )
    from jobs import report_text

    print(report_text.generation_line(summary, settings.local.landing))
    return 0


def _backfill(settings: config.Settings, args) -> int:
    from jobs import pipeline

    first = args.first or settings.processing.start
    last = args.last or _default_backfill_end(settings)
    if _submits_to_cloud(settings):
        return _submit_backfill(settings, first, last)
    with _spark_stopped_at_exit():
        try:
            outcome = pipeline.backfill(_context(settings), first, last)
        except pipeline.RunError as exc:
            raise _UsageError(str(exc)) from None
        return _finish(outcome)


def _default_backfill_end(settings: config.Settings) -> dt.date:
    """A simulation backfills up to its configured day; a real environment up to yesterday."""
    from jobs import state

    if settings.simulation is not None:
        return settings.simulation.backfill_to
    return state.last_day(settings)


def _submit_backfill(settings: config.Settings, first: dt.date, last: dt.date) -> int:
    from google.api_core import exceptions

    from jobs.runners.dataproc import DataprocRunner, RunnerConfigError

    if first > last:
        raise _UsageError(f"backfill range is empty: {first} is after {last}")
    try:
        result = DataprocRunner(settings).submit_backfill(first, last)
    except (RunnerConfigError, exceptions.GoogleAPICallError) as exc:
        raise _UsageError(f"backfill batch not submitted: {exc}") from None
    verb = "submitted" if result["status"] == "submitted" else "already submitted"
    print(f"backfill: {verb} batch {result['batch_id']} for {first}..{last}")
    return 0


def _daily(settings: config.Settings, args) -> int:
    from jobs import pipeline

    if args.max_days < 1:
        raise _UsageError("--max-days must be at least 1")
    if _submits_to_cloud(settings):
        return _tick_function(settings, args)
    if args.day is not None and args.max_days != 1:
        raise _UsageError("--day processes exactly one day; drop --max-days")
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


def _tick_function(settings: config.Settings, args) -> int:
    """A cloud env's daily run is the trigger function's: send it one tick."""
    from jobs import cloud_tick

    if args.day is not None or args.max_days != 1:
        raise _UsageError(
            f"in {settings.name} the trigger function picks the next pending day, one per "
            "tick: --day and --max-days are for the batch"
        )
    url = args.url or os.environ.get(cloud_tick.URL_VARIABLE, "")
    try:
        code, reply = cloud_tick.send(url)
    except cloud_tick.TickError as exc:
        raise _UsageError(str(exc)) from None
    print(f"daily: HTTP {code} {json.dumps(reply, sort_keys=True)}")
    return 0 if code == 200 else 1


def _replay(settings: config.Settings, args) -> int:
    from jobs import pipeline

    with _spark_stopped_at_exit():
        ctx = _context(settings)
        try:
            outcome = pipeline.replay(ctx, args.date)
        except pipeline.RunError as exc:
            raise _UsageError(str(exc)) from None
        _log_days(ctx, outcome)
        return _finish(outcome)


def _simulate(settings: config.Settings, args) -> int:
    from jobs import simulate

    return simulate.run(settings, max_ticks=args.max_ticks)


def _status(settings: config.Settings, args) -> int:
    from jobs.report.status import render_status

    # Reads only ingestion_state: an operator needs no more than read access to it.
    warehouse = resources.warehouse_for(settings)
    print(render_status(settings, warehouse, color=sys.stdout.isatty()))
    return 0


def _report(settings: config.Settings, args) -> int:
    from jobs.report import write_report

    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    print(f"report: {write_report(settings, warehouse, getattr(args, 'out', None))}")
    return 0


def _summary(settings: config.Settings, args) -> int:
    from jobs import report_text

    print(report_text.year_summary(settings, resources.warehouse_for(settings)))
    return 0


def _upload(settings: config.Settings, args) -> int:
    import importlib

    try:
        upload = importlib.import_module("jobs.upload")
    except ModuleNotFoundError as exc:
        if exc.name != "jobs.upload":
            raise
        raise _UsageError(
            "upload is not available in this checkout (jobs/upload.py is missing)"
        ) from None
    parser = argparse.ArgumentParser(prog="python -m jobs upload", description=upload.__doc__)
    upload.add_arguments(parser)
    return upload.run(settings, parser.parse_args(args.upload_args))


def _run(settings: config.Settings, args) -> int:
    """The whole year on the embedded default: what `make run` does."""
    if settings.platform != "local":
        raise _UsageError("run is the local demo; in the cloud use backfill and the scheduler")
    steps = [
        ("data", lambda: _data(settings, argparse.Namespace(scale=None, seed=None))),
        ("backfill", lambda: _backfill(settings, argparse.Namespace(first=None, last=None))),
        ("simulate", lambda: _simulate(settings, argparse.Namespace(max_ticks=1000))),
        ("summary", lambda: _summary(settings, args)),
        ("report", lambda: _report(settings, args)),
    ]
    for name, step in steps:
        log.info("== %s", name)
        code = step()
        if code != 0:
            log.error("%s failed (exit %d); stopping", name, code)
            return code
    return 0


class _spark_stopped_at_exit:
    """Stop Spark cleanly: the JVM ends now, and writes the class-data archive if none exists."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        from jobs import spark

        spark.stop()
        return False
