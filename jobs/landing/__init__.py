"""Where the daily extracts land: a folder locally, a Cloud Storage bucket in the cloud.

Both lay files out the same way (docs/data-contract.md):
`tickets/dt=YYYY-MM-DD/tickets_YYYY-MM-DD.csv`. Each landed file has an identity
(size, CRC32C, and in Cloud Storage its generation): a run records the identity
of what it read, so a file re-delivered later is noticed (docs/design.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class FileIdentity:
    """What a landed file was: two files with the same size and CRC32C hold the same bytes
    (the generation changes with every upload, even of the same bytes)."""

    size: int
    crc32c: str  # base64 of the big-endian CRC32C, as Cloud Storage reports it
    generation: int | None = None  # Cloud Storage only

    def same_content(self, other: FileIdentity) -> bool:
        return (self.size, self.crc32c) == (other.size, other.crc32c)


def crc32c(data: bytes) -> str:
    """The CRC32C of `data` in Cloud Storage's notation."""
    import google_crc32c

    return base64.b64encode(google_crc32c.value(data).to_bytes(4, "big")).decode("ascii")


@dataclass(frozen=True)
class LandedFile:
    data: bytes
    identity: FileIdentity


class Landing(Protocol):
    """Read access to the landed extracts."""

    def uri(self, day: dt.date) -> str:
        """The URI Spark reads the day's extract from."""

    def exists(self, day: dt.date) -> bool: ...

    def fetch(self, day: dt.date) -> LandedFile:
        """The whole extract and its identity, for the pre-flight check and the record."""

    def available_days(self) -> set[dt.date]: ...

    def identities(self) -> dict[dt.date, FileIdentity]:
        """The identity of every landed extract, by day."""
