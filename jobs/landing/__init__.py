"""Where the daily extracts land: a folder locally, a Cloud Storage bucket in the cloud.

Both lay files out the same way (docs/data-contract.md):
`tickets/dt=YYYY-MM-DD/tickets_YYYY-MM-DD.csv`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

EXTRACT_PREFIX = "tickets/"
_EXTRACT_NAME = re.compile(r"tickets/dt=(\d{4}-\d{2}-\d{2})/tickets_\1\.csv$")


def extract_key(day: dt.date) -> str:
    """The object key (path below the landing root) of one day's extract."""
    return f"{EXTRACT_PREFIX}dt={day.isoformat()}/tickets_{day.isoformat()}.csv"


def day_of_key(key: str) -> dt.date | None:
    """The business day an extract key is for, or None for any other object."""
    match = _EXTRACT_NAME.search(key)
    return dt.date.fromisoformat(match.group(1)) if match else None


class Landing(Protocol):
    """Read access to the landed extracts."""

    def uri(self, day: dt.date) -> str:
        """The URI Spark reads the day's extract from."""

    def exists(self, day: dt.date) -> bool: ...

    def read_bytes(self, day: dt.date) -> bytes:
        """The whole extract, for the pre-flight check of header and encoding."""

    def available_days(self) -> set[dt.date]: ...
