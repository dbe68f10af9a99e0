"""The landing bucket in Cloud Storage, read through the official client.

Spark on Dataproc reads `gs://` URIs itself (the built-in connector); this class
serves the rest: which days have landed, and the bytes of the pre-flight check.
"""

from __future__ import annotations

import datetime as dt
import os

from jobs.config import Settings
from jobs.landing import EXTRACT_PREFIX, day_of_key, extract_key


def storage_client(project: str):
    """A Cloud Storage client; anonymous against an emulator (`STORAGE_EMULATOR_HOST`)."""
    from google.cloud import storage

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(project=project, credentials=AnonymousCredentials())
    return storage.Client(project=project)


def from_settings(settings: Settings) -> GcsLanding:
    return GcsLanding(settings.gcp.landing_bucket, settings.gcp.project)


class GcsLanding:
    def __init__(self, bucket: str, project: str, client=None):
        self.bucket, self.project, self._client = bucket, project, client

    @property
    def client(self):
        if self._client is None:
            self._client = storage_client(self.project)
        return self._client

    def _blob(self, day: dt.date):
        return self.client.bucket(self.bucket).blob(extract_key(day))

    def uri(self, day: dt.date) -> str:
        return f"gs://{self.bucket}/{extract_key(day)}"

    def exists(self, day: dt.date) -> bool:
        return self._blob(day).exists()

    def read_bytes(self, day: dt.date) -> bytes:
        return self._blob(day).download_as_bytes()

    def available_days(self) -> set[dt.date]:
        names = (b.name for b in self.client.list_blobs(self.bucket, prefix=EXTRACT_PREFIX))
        # Only objects exactly at a day's key: not `tickets/old/tickets/dt=.../...csv`.
        return {d for n in names if (d := day_of_key(n)) is not None and extract_key(d) == n}
