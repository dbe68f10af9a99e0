"""Time arithmetic shared by the transforms, all on UTC instants.

The session time zone is UTC (see jobs/spark.py); business days are calendar
dates in the configured business time zone.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

_MICROS_PER_HOUR = 3_600_000_000.0


def business_date(instant: Column, time_zone: str) -> Column:
    """The calendar date of a UTC instant in the business time zone."""
    return F.to_date(F.from_utc_timestamp(instant, time_zone))


def day_end(day: Column, time_zone: str) -> Column:
    """end(D): the instant of midnight at the start of D+1 in the business time zone."""
    return F.to_utc_timestamp(F.date_add(day, 1).cast("timestamp"), time_zone)


def hours_between(later: Column, earlier: Column) -> Column:
    """(later - earlier) in hours, as a double."""
    return (F.unix_micros(later) - F.unix_micros(earlier)) / F.lit(_MICROS_PER_HOUR)


def plus_hours(instant: Column, hours: Column) -> Column:
    return F.timestamp_micros(F.unix_micros(instant) + (hours * _MICROS_PER_HOUR).cast("long"))
