"""`make status`: a compact terminal view of ingestion_state.

What has been processed, what is pending and what failed (a day whose latest
attempt failed), which processed days' extracts were re-delivered since, the
figures of the most recent days, and in the cloud envs the time of the next
scheduled tick. ANSI colour only when asked for (a terminal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jobs import state
from jobs.config import Settings
from jobs.landing import Landing
from jobs.warehouse import Warehouse

RECENT_DAYS = 7
ERROR_WIDTH = 110

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_STATUS_COLOUR = {"succeeded": "green", "failed": "red", "running": "yellow"}


@dataclass(frozen=True)
class Paint:
    color: bool

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def render_status(
    settings: Settings,
    warehouse: Warehouse,
    color: bool,
    now: dt.datetime | None = None,
    recent_days: int = RECENT_DAYS,
    landing: Landing | None = None,
) -> str:
    """The status text; `now` (aware) fixes the clock: the processing window, the next tick.
    With the `landing`, it also compares each processed day's extract with the one read."""
    paint = Paint(color)
    table = warehouse.state()
    rows = table.to_pylist()
    latest = _latest_attempts(rows)
    succeeded = sorted(state.succeeded_days(table))
    failed = [r for r in latest.values() if r["status"] == "failed"]
    running = [r for r in latest.values() if r["status"] == "running"]
    nxt = state.next_for(settings, table, now)
    pending = state.pending_count(settings, nxt, now)
    last = state.last_day(settings, now)

    label = lambda text: paint(f"{text:<10}", "bold")  # noqa: E731
    lines = [
        paint(f"ingestion status: env {settings.name}", "bold")
        + paint(f"  ({settings.platform}, days {settings.processing.start} .. {last})", "dim")
    ]
    done = f"{len(succeeded)} day(s)"
    if succeeded:
        done += f", last {succeeded[-1]}"
    lines.append(label("processed") + paint(done, "green" if succeeded else "dim"))
    if nxt.up_to_date:
        lines.append(label("pending") + paint("0 day(s), up to date", "green"))
    else:
        retry = (
            " (a retry of a failed day)" if nxt.day in {r["business_date"] for r in failed} else ""
        )
        lines.append(label("pending") + paint(f"{pending} day(s), next {nxt.day}{retry}", "yellow"))
    lines.append(label("failed") + paint(f"{len(failed)} day(s)", "red" if failed else "green"))
    for r in failed:
        lines.append(
            f"  {r['business_date']} attempt {r['attempt']} ({r['mode']}): "
            + paint(_one_line(r["error"]), "red")
        )
    if landing is not None:
        lines.extend(_changed(state.changed_extracts(table, landing.identities()), label, paint))
    if running:
        days = ", ".join(str(r["business_date"]) for r in running)
        lines.append(label("running") + paint(f"{len(running)} day(s): {days}", "yellow"))
    if settings.platform == "gcp" and settings.gcp is not None:
        lines.append(label("next tick") + _next_tick(settings, now, paint))
    recent = [latest[d] for d in sorted(latest)[-recent_days:]]
    if recent:
        lines.append(paint("recent days", "bold"))
        lines.append(
            paint(
                f"  {'date':<10}  {'mode':<8}  {'status':<9}  {'rows in':>8}  {'rejected':>8}  "
                f"{'rows read':>9}  {'seconds':>7}",
                "dim",
            )
        )
        for r in recent:
            status = r["status"]
            lines.append(
                f"  {r['business_date']}  {r['mode']:<8}  "
                + paint(f"{status:<9}", _STATUS_COLOUR.get(status, "dim"))
                + f"  {_int(r['rows_in']):>8}  {_int(r['rows_rejected']):>8}  "
                f"{_int(r['rows_read']):>9}  {_seconds(r):>7}"
            )
    return "\n".join(lines)


def _changed(changed: list[state.ChangedExtract], label, paint: Paint) -> list[str]:
    if not changed:
        return [
            label("changed") + paint("0 day(s): every processed extract is as it was read", "green")
        ]
    return [
        label("changed")
        + paint(
            f"{len(changed)} processed day(s) whose extract changed since; to recompute them "
            f"and every later day: make replay FROM={changed[0].day}",
            "red",
        ),
        *(f"  {c.line()}" for c in changed),
    ]


def _latest_attempts(rows: list[dict]) -> dict[dt.date, dict]:
    latest: dict[dt.date, dict] = {}
    for r in rows:
        day = r["business_date"]
        if day not in latest or r["attempt"] >= latest[day]["attempt"]:
            latest[day] = r
    return latest


def next_tick(schedule: str, time_zone: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` (aware) that a Cloud Scheduler cron schedule
    (unix-cron, five fields) fires, in its time zone."""
    from croniter import croniter

    return croniter(schedule, after.astimezone(ZoneInfo(time_zone))).get_next(dt.datetime)


def _next_tick(settings: Settings, now: dt.datetime | None, paint: Paint) -> str:
    gcp = settings.gcp
    now = now or dt.datetime.now(dt.UTC)
    try:
        tick = next_tick(gcp.schedule, gcp.schedule_time_zone, now)
    except ValueError as exc:  # croniter's errors for a schedule it cannot read
        return paint(f"cron schedule {gcp.schedule!r}: {exc}", "red")
    wait = tick - now.astimezone(tick.tzinfo)
    hours, rest = divmod(int(wait.total_seconds()) // 60, 60)
    return (
        paint(f"{tick:%Y-%m-%d %H:%M} {gcp.schedule_time_zone}", "cyan")
        + f", in {hours} h {rest:02d} min"
        + paint(f"  (schedule {gcp.schedule!r})", "dim")
    )


def _one_line(error: str | None) -> str:
    text = " ".join((error or "no error recorded").split())
    return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 1] + "…"


def _int(value) -> str:
    return "-" if value is None else f"{value:,}"


def _seconds(row: dict) -> str:
    start, end = row.get("started_at"), row.get("finished_at")
    if start is None or end is None:
        return "-"
    return f"{(end - start).total_seconds():.1f}"
