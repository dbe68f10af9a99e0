"""The business calendar of the simulated years: day boundaries in UTC seconds.

A business day is a calendar date in the business time zone (docs/data-contract.md). Every
timestamp in the simulation is an integer count of UTC seconds since the Unix
epoch; `BusinessDays.day_of` maps such instants to the index of their business day
with one `searchsorted`, which is exact for any zone, DST included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class BusinessDays:
    year: int  # the first year
    time_zone: str
    dates: tuple[dt.date, ...]  # the business days, Jan 1 of `year` .. Dec 31 of the last year
    starts: np.ndarray  # int64, len(dates) + 1: UTC second of each local midnight, then the end

    @classmethod
    def of_year(cls, year: int, time_zone: str) -> BusinessDays:
        return cls.of_years(year, 1, time_zone)

    @classmethod
    def of_years(cls, year: int, years: int, time_zone: str) -> BusinessDays:
        """The whole years year .. year + years - 1."""
        zone = ZoneInfo(time_zone)
        first = dt.date(year, 1, 1)
        count = (dt.date(year + years, 1, 1) - first).days
        dates = tuple(first + dt.timedelta(days=i) for i in range(count + 1))
        starts = np.array(
            [int(dt.datetime.combine(d, dt.time(0), tzinfo=zone).timestamp()) for d in dates],
            dtype=np.int64,
        )
        return cls(year=year, time_zone=time_zone, dates=dates[:-1], starts=starts)

    @property
    def years(self) -> list[int]:
        return list(range(self.year, self.dates[-1].year + 1))

    def year_of(self, days: np.ndarray) -> np.ndarray:
        """The calendar year of each day index."""
        firsts = np.array([self.index(dt.date(y, 1, 1)) for y in self.years])
        return self.year + np.searchsorted(firsts, days, side="right") - 1

    @property
    def days(self) -> int:
        return len(self.dates)

    @property
    def begin(self) -> int:
        return int(self.starts[0])

    @property
    def end(self) -> int:
        """The first UTC second after the year (midnight of Jan 1 next year, local)."""
        return int(self.starts[-1])

    @property
    def lengths(self) -> np.ndarray:
        """Seconds in each business day (86 400 except on DST switch days)."""
        return np.diff(self.starts)

    @property
    def weekdays(self) -> np.ndarray:
        """Monday = 0 .. Sunday = 6, per day."""
        return np.array([d.weekday() for d in self.dates], dtype=np.int8)

    def day_of(self, seconds: np.ndarray) -> np.ndarray:
        """Index of the business day holding each instant (-1 before the year, days after it)."""
        return np.searchsorted(self.starts, seconds, side="right").astype(np.int32) - 1

    def index(self, date: dt.date) -> int:
        return (date - self.dates[0]).days
