"""Command line: `python -m jobs <command>`; the Makefile targets call these.

Entry points only parse arguments and wire things together; the work happens
in jobs.pipeline, jobs.generator, jobs.simulate and jobs.summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from jobs import config, resources

log = logging.getLogger("jobs")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S"
    )
    for noisy in ("py4j", "sqlglot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = config.load(args.env)
        return args.handler(settings, args)
    except (config.ConfigError, _UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


class _UsageError(Exception):
    pass


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

    backfill = commands.add_parser("backfill", help="load a range of days in one Spark job")
    backfill.add_argument("--from", dest="first", type=_date)
    backfill.add_argument("--to", dest="last", type=_date)
    backfill.set_defaults(handler=_backfill)

    daily = commands.add_parser("daily", help="process the next pending day(s)")
    daily.add_argument("--max-days", type=int, default=1)
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

    run = commands.add_parser("run", help="data, backfill, simulate, summary")
    run.set_defaults(handler=_run)
    return parser


def _context(settings: config.Settings):
    from jobs import pipeline, spark

    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return pipeline.Context(
        settings=settings,
        landing=resources.landing_for(settings),
        warehouse=warehouse,
        spark=spark.session(settings),
    )


def _finish(outcome) -> int:
    from jobs import report_text

    print(report_text.outcome_line(outcome))
    return 0 if outcome.ok else 1


def _data(settings: config.Settings, args) -> int:
    from jobs.generator import generate

    if settings.platform != "local":
        raise _UsageError("data is generated into the local landing folder; use ENV=local")
    summary = generate(settings, settings.local.landing, scale=args.scale, seed=args.seed)
    from jobs import report_text

    print(report_text.generation_line(summary, settings.local.landing))
    return 0


def _backfill(settings: config.Settings, args) -> int:
    from jobs import pipeline

    sim = settings.simulation
    with _spark_stopped_at_exit():
        ctx = _context(settings)
        try:
            outcome = pipeline.backfill(
                ctx, args.first or sim.backfill_from, args.last or sim.backfill_to
            )
        except pipeline.RunError as exc:
            raise _UsageError(str(exc)) from None
        return _finish(outcome)


def _daily(settings: config.Settings, args) -> int:
    from jobs import pipeline

    if args.max_days < 1:
        raise _UsageError("--max-days must be at least 1")
    with _spark_stopped_at_exit():
        return _finish(pipeline.daily(_context(settings), max_days=args.max_days))


def _replay(settings: config.Settings, args) -> int:
    from jobs import pipeline

    with _spark_stopped_at_exit():
        try:
            outcome = pipeline.replay(_context(settings), args.date)
        except pipeline.RunError as exc:
            raise _UsageError(str(exc)) from None
        return _finish(outcome)


def _simulate(settings: config.Settings, args) -> int:
    from jobs import simulate

    return simulate.run(settings, max_ticks=args.max_ticks)


def _status(settings: config.Settings, args) -> int:
    from jobs.report.status import render_status

    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
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
    """Stop Spark cleanly so the JVM writes its class-data archive on first use."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        from jobs import spark

        spark.stop()
        return False
