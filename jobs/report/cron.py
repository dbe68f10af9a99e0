"""The next tick of a Cloud Scheduler cron schedule (unix-cron, five fields), in its time zone.

Supports what unix-cron allows in each field: `*`, numbers, ranges `a-b`,
steps `*/n` and `a-b/n`, lists `a,b`, month and weekday names (`jan`, `mon`),
and 7 as Sunday. As in cron, when both day-of-month and day-of-week are
restricted a day matching either one fires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


class CronError(ValueError):
    """A schedule this module cannot read."""


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_restricted: bool
    weekdays_restricted: bool

    def matches_day(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_month or in_week
        return in_month and in_week


def parse(expression: str) -> Cron:
    fields = expression.split()
    if len(fields) != 5:
        raise CronError(f"cron schedule {expression!r}: expected 5 fields, got {len(fields)}")
    minute, hour, day, month, weekday = fields
    weekdays = _field(weekday, 0, 7, _DAYS, expression)
    return Cron(
        minutes=_field(minute, 0, 59, None, expression),
        hours=_field(hour, 0, 23, None, expression),
        days=_field(day, 1, 31, None, expression),
        months=_field(month, 1, 12, _MONTHS, expression, offset=1),
        weekdays=frozenset(d % 7 for d in weekdays),
        days_restricted=day != "*",
        weekdays_restricted=weekday != "*",
    )


def next_tick(expression: str, time_zone: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` (an aware datetime) that the schedule fires.

    The result is aware, in `time_zone`.
    """
    if after.tzinfo is None:
        raise ValueError("next_tick needs an aware datetime")
    cron = parse(expression)
    zone = ZoneInfo(time_zone)
    local = after.astimezone(zone)
    day = local.date()
    times = sorted(dt.time(h, m) for h in cron.hours for m in cron.minutes)
    for _ in range(366 * 8):  # every valid schedule fires within 8 years (Feb 29 on a weekday)
        if cron.matches_day(day):
            for t in times:
                candidate = dt.datetime.combine(day, t, tzinfo=zone)
                if candidate.astimezone(dt.UTC) > after.astimezone(dt.UTC):
                    return candidate
        day += dt.timedelta(days=1)
    raise CronError(f"cron schedule {expression!r} never fires")


def _field(
    text: str,
    low: int,
    high: int,
    names: list[str] | None,
    expression: str,
    offset: int = 0,
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = _number(step_text, names, offset, expression) if step_text else 1
        if step < 1:
            raise CronError(f"cron schedule {expression!r}: step must be at least 1")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            a, b = span.split("-", 1)
            first = _number(a, names, offset, expression)
            last = _number(b, names, offset, expression)
        else:
            first = _number(span, names, offset, expression)
            last = high if step_text else first
        if not low <= first <= last <= high:
            raise CronError(f"cron schedule {expression!r}: {part!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _number(text: str, names: list[str] | None, offset: int, expression: str) -> int:
    if names and text.lower() in names:
        return names.index(text.lower()) + offset
    try:
        return int(text)
    except ValueError:
        raise CronError(f"cron schedule {expression!r}: cannot read {text!r}") from None
