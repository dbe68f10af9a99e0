"""The landing bucket in Cloud Storage, read through the official client.

Spark on Dataproc reads `gs://` URIs itself (the built-in connector); this class
serves the rest: which days have landed, and the bytes of the pre-flight check.
"""

from __future__ import annotations

import datetime as dt
import os

from jobs.config import Settings
from jobs.landing import (
    EXTRACT_PREFIX,
    FileIdentity,
    LandedFile,
    crc32c,
    day_of_key,
    extract_key,
)


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

    def fetch(self, day: dt.date) -> LandedFile:
        key = extract_key(day)
        blob = self.client.bucket(self.bucket).get_blob(key)
        if blob is None:
            raise FileNotFoundError(f"{self.uri(day)} does not exist")
        # A blob that knows its generation downloads exactly that one: the bytes and the
        # recorded generation cannot belong to two different uploads. (The download then
        # resets the blob's properties from its response headers, so read it first.)
        generation = int(blob.generation)
        data = blob.download_as_bytes()
        return LandedFile(data, FileIdentity(len(data), crc32c(data), generation))

    def available_days(self) -> set[dt.date]:
        return set(self._extracts())

    def identities(self) -> dict[dt.date, FileIdentity]:
        # One listing: Cloud Storage keeps every object's size, CRC32C and generation.
        return {
            day: FileIdentity(int(blob.size), blob.crc32c, int(blob.generation))
            for day, blob in sorted(self._extracts().items())
        }

    def _extracts(self) -> dict:
        blobs = self.client.list_blobs(self.bucket, prefix=EXTRACT_PREFIX)
        # Only objects exactly at a day's key: not `tickets/old/tickets/dt=.../...csv`.
        return {
            d: b
            for b in blobs
            if (d := day_of_key(b.name)) is not None and extract_key(d) == b.name
        }
