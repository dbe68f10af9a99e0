"""The commands an engineer runs at a workstation: `python -m workstation <command>`.

The Makefile's targets call these. For a local environment, `backfill`, `daily`
and `replay` run the job here (jobs/cli.py); for a cloud environment they hand
the work to the cloud: `backfill` and `replay` submit a Dataproc Serverless
batch, `daily` sends the deployed trigger function one tick, as Cloud Scheduler
does; `backfill` and `replay` first run the quota preflight (workstation/preflight.py),
so a batch the project's quotas cannot hold is not submitted. `preflight` checks a
cloud environment before its first deploy and backfill. The rest: generate data,
upload it, simulate the scheduler, show the status, write the report, print the
year, or all of it (`run`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from jobs import cli as job
from jobs import config, logs, progress, resources

log = logging.getLogger("workstation")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "upload":
        args.upload_args = extra  # parsed by workstation.upload's own arguments
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        settings = config.load(args.env)
        logs.configure(settings)
        return args.handler(settings, args)
    except (config.ConfigError, job.UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workstation", description=__doc__)
    parser.add_argument(
        "--env", help="environment folder under env/ (default: $TICKETS_ENV or local)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser(
        "data", help="generate the simulated feed's extracts (YEARS=N in the Makefile: N years)"
    )
    data.add_argument("--scale", type=float)
    data.add_argument("--seed", type=int)
    data.add_argument("--from", dest="first", type=job.date, help="write only from this day")
    data.add_argument("--to", dest="last", type=job.date, help="write only through this day")
    data.set_defaults(handler=_data)

    job.add_commands(commands)  # backfill, daily, replay, with the batch's arguments
    commands.choices["backfill"].set_defaults(handler=_backfill)
    commands.choices["daily"].set_defaults(handler=_daily)
    commands.choices["daily"].add_argument(
        "--url", help="cloud envs: the trigger function's URL (default: $FUNCTION_URL)"
    )
    commands.choices["replay"].set_defaults(handler=_replay)

    upload = commands.add_parser(
        "upload", help="upload the local extracts to the landing bucket", add_help=False
    )
    upload.set_defaults(handler=_upload, upload_args=[])

    simulate = commands.add_parser(
        "simulate", help="tick the trigger function until nothing is pending"
    )
    simulate.add_argument("--max-ticks", type=int, default=1000)
    simulate.set_defaults(handler=_simulate)

    preflight = commands.add_parser(
        "preflight", help="cloud envs: the regional quotas a batch needs, and example values"
    )
    preflight.add_argument(
        "--deploy", action="store_true", help="make deploy: example values in the config are fatal"
    )
    preflight.add_argument(
        "--no-quotas", action="store_true", help="make bootstrap: the example values alone"
    )
    preflight.set_defaults(handler=_preflight)

    commands.add_parser("status", help="show ingestion_state").set_defaults(handler=_status)
    commands.add_parser("summary", help="print the processed year").set_defaults(handler=_summary)
    report = commands.add_parser("report", help="write the HTML report")
    report.add_argument("--out", type=Path, help="where to write it (default .local/report.html)")
    report.set_defaults(handler=_report)

    commands.add_parser("run", help="data, backfill, simulate, summary, report").set_defaults(
        handler=_run
    )
    return parser


# --- the job: here for a local environment, in the cloud for a cloud one --------------------


def _backfill(settings: config.Settings, args) -> int:
    if settings.platform == "local":
        return job.backfill_command(settings, args)
    if code := _quota_preflight(settings):
        return code
    first, last = job.backfill_range(settings, args)
    return _submit(settings, "backfill", lambda runner: runner.submit_backfill(first, last))


def _replay(settings: config.Settings, args) -> int:
    if settings.platform == "local":
        return job.replay_command(settings, args)
    from functions.runners.dataproc import landed_fingerprint

    if code := _quota_preflight(settings):
        return code
    first = args.first or args.date
    landed = landed_fingerprint(resources.landing_for(settings).identities(), first)
    return _submit(
        settings,
        "replay",
        lambda runner: runner.submit_replay(first, landed, only=args.first is None),
    )


def _quota_preflight(settings: config.Settings) -> int:
    """The preflight before a batch is submitted: quotas fatal, example values reported;
    its lines on stderr, so stdout says only what was submitted."""
    from workstation import preflight

    return preflight.run(settings, deploy=False, quiet=True)


def _submit(settings: config.Settings, what: str, submit) -> int:
    from google.api_core import exceptions

    from functions.runners.dataproc import DataprocRunner, RunnerConfigError

    try:
        result = submit(DataprocRunner(settings))
    except (RunnerConfigError, exceptions.GoogleAPICallError) as exc:
        raise job.UsageError(f"{what} batch not submitted: {exc}") from None
    verb = "submitted" if result["status"] == "submitted" else "already submitted"
    print(f"{what}: {verb} batch {result['batch_id']} for {result['days']}")
    return 0


def _daily(settings: config.Settings, args) -> int:
    if settings.platform == "local":
        return job.daily_command(settings, args)
    from workstation import tick

    if args.day is not None or args.max_days != 1:
        raise job.UsageError(
            f"in {settings.name} the trigger function picks the next pending day, one per "
            "tick: --day and --max-days are for the batch"
        )
    url = args.url or os.environ.get(tick.URL_VARIABLE, "")
    try:
        code, reply = tick.send(url)
    except tick.TickError as exc:
        raise job.UsageError(str(exc)) from None
    print(f"daily: HTTP {code} {json.dumps(reply, sort_keys=True)}")
    return 0 if code == 200 else 1


# --- everything else ------------------------------------------------------------------------


def _preflight(settings: config.Settings, args) -> int:
    from workstation import preflight

    return preflight.run(settings, deploy=args.deploy, quotas=not args.no_quotas)


def _data(settings: config.Settings, args) -> int:
    from generator import generate

    if settings.simulation is None:
        raise job.UsageError(
            f"{settings.name} simulates no feed: data is generated for an environment with "
            "[simulation] (ENV=local)"
        )
    try:
        summary = generate(
            settings,
            settings.local.landing,
            scale=args.scale,
            seed=args.seed,
            start=args.first,
            end=args.last,
            progress=progress.per_call("data", "files"),
        )
    except ValueError as exc:  # a range outside the simulated years, a bad scale
        raise job.UsageError(f"data: {exc}") from None
    landing = settings.local.landing
    if summary.skipped:
        print(f"data: reusing {summary.days} extracts in {landing} (same scale and seed)")
    else:
        print(
            f"data: wrote {summary.days} extracts, {summary.rows} rows, "
            f"{summary.bytes / 1e6:.1f} MB to {landing} in {summary.seconds:.1f} s"
        )
    return 0


def _upload(settings: config.Settings, args) -> int:
    from workstation import upload

    parser = argparse.ArgumentParser(
        prog="python -m workstation upload", description=upload.__doc__
    )
    upload.add_arguments(parser)
    return upload.run(settings, parser.parse_args(args.upload_args))


def _simulate(settings: config.Settings, args) -> int:
    from workstation import simulate

    return simulate.run(settings, max_ticks=args.max_ticks)


def _status(settings: config.Settings, args) -> int:
    from workstation.status import render_status

    # Reads ingestion_state and lists the landing: what an operator's grants allow.
    warehouse = resources.warehouse_for(settings)
    landing = resources.landing_for(settings)
    print(render_status(settings, warehouse, color=sys.stdout.isatty(), landing=landing))
    return 0


def _summary(settings: config.Settings, args) -> int:
    from report.summary import year_summary

    print(year_summary(settings, resources.warehouse_for(settings)))
    return 0


def _report(settings: config.Settings, args) -> int:
    from report import write_report

    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    print(f"report: {write_report(settings, warehouse, getattr(args, 'out', None))}")
    return 0


def _run(settings: config.Settings, args) -> int:
    """The whole year on the embedded default: what `make run` does."""
    if settings.platform != "local":
        raise job.UsageError("run is the local demo; in the cloud use backfill and the scheduler")
    steps = [
        (
            "data",
            lambda: _data(
                settings, argparse.Namespace(scale=None, seed=None, first=None, last=None)
            ),
        ),
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
