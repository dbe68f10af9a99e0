"""A local folder standing in for the landing bucket."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jobs.config import Settings
from jobs.landing import EXTRACT_PREFIX, FileIdentity, LandedFile, crc32c, day_of_key, extract_key


def from_settings(settings: Settings) -> LocalLanding:
    return LocalLanding(settings.local.landing)


class LocalLanding:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, day: dt.date) -> Path:
        return self.root / extract_key(day)

    def uri(self, day: dt.date) -> str:
        return str(self.path(day).resolve())

    def exists(self, day: dt.date) -> bool:
        return self.path(day).is_file()

    def fetch(self, day: dt.date) -> LandedFile:
        data = self.path(day).read_bytes()
        return LandedFile(data, FileIdentity(len(data), crc32c(data)))

    def available_days(self) -> set[dt.date]:
        folder = self.root / EXTRACT_PREFIX
        if not folder.is_dir():
            return set()
        days = (day_of_key(p.relative_to(self.root).as_posix()) for p in folder.glob("dt=*/*.csv"))
        return {d for d in days if d is not None}

    def identities(self) -> dict[dt.date, FileIdentity]:
        # A folder keeps no checksums: each file is read (a year is about 125 MB).
        return {day: self.fetch(day).identity for day in sorted(self.available_days())}
