"""Upload the extracts of a local landing folder to the environment's landing bucket.

    python -m workstation --env dev upload [--source DIR] [--from DAY] [--to DAY] [--dry-run]

The files keep their layout (`tickets/dt=YYYY-MM-DD/tickets_YYYY-MM-DD.csv`), so
the bucket holds what `make data` wrote. Cheap to repeat and resumable: the
bucket is listed once, a file whose CRC32C equals its object's is skipped, and
only the rest are uploaded, a few at a time. A second run uploads nothing; an
interrupted one picks up where it stopped; a regenerated day is uploaded again.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import logging
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import google_crc32c

from jobs import config
from jobs.landing import EXTRACT_PREFIX, extract_key
from jobs.landing.local import LocalLanding
from jobs.progress import MB, Progress

log = logging.getLogger("workstation.upload")
DEFAULT_WORKERS = 8


@dataclass(frozen=True)
class LocalFile:
    key: str  # the object name, e.g. tickets/dt=2025-01-01/tickets_2025-01-01.csv
    path: Path
    size: int
    crc32c: str  # base64 of the big-endian CRC32C, as Cloud Storage reports it


@dataclass(frozen=True)
class Plan:
    upload: tuple[LocalFile, ...]
    unchanged: tuple[LocalFile, ...]


@dataclass
class Report:
    considered: int
    skipped: int
    uploaded: int
    bytes_uploaded: int
    seconds: float
    failed: list[tuple[str, str]] = field(default_factory=list)  # (object name, error)

    def line(self, destination: str) -> str:
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"upload: {self.considered} files considered, {self.skipped} unchanged (skipped), "
            f"{self.uploaded} uploaded ({self.bytes_uploaded / MB:.1f} MB){failed} "
            f"to {destination} in {self.seconds:.1f} s"
        )


def plan(local: Iterable[LocalFile], remote: Mapping[str, str | None]) -> Plan:
    """Split the local files into those to upload and those the bucket already holds.

    `remote` maps object names to their base64 CRC32C (None if the object has none):
    a file is unchanged when an object of its name has its checksum.
    """
    upload, unchanged = [], []
    for f in sorted(local, key=lambda f: f.key):
        (unchanged if remote.get(f.key) == f.crc32c else upload).append(f)
    return Plan(tuple(upload), tuple(unchanged))


def crc32c(path: Path) -> str:
    checksum = google_crc32c.Checksum()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            checksum.update(chunk)
    return base64.b64encode(checksum.digest()).decode("ascii")


def local_files(
    source: Path, first: dt.date | None = None, last: dt.date | None = None
) -> list[LocalFile]:
    """The extracts under `source` (days `first`..`last`, both optional), by day."""
    landing = LocalLanding(source)
    days = sorted(
        d
        for d in landing.available_days()
        if (first is None or d >= first) and (last is None or d <= last)
    )
    files = []
    for day in days:
        path = landing.path(day)
        files.append(LocalFile(extract_key(day), path, path.stat().st_size, crc32c(path)))
    return files


def remote_checksums(client, bucket: str) -> dict[str, str | None]:
    """One listing of the bucket under the extracts' prefix: object name -> CRC32C."""
    blobs = client.list_blobs(
        bucket, prefix=EXTRACT_PREFIX, fields="items(name,crc32c),nextPageToken"
    )
    return {b.name: b.crc32c for b in blobs}


def sync(
    client,
    bucket: str,
    source: Path,
    first: dt.date | None = None,
    last: dt.date | None = None,
    workers: int = DEFAULT_WORKERS,
    stream: TextIO | None = None,
) -> Report:
    """Upload what the bucket lacks or holds with other bytes; report what was done."""
    started = time.monotonic()
    files = local_files(source, first, last)
    todo = plan(files, remote_checksums(client, bucket))
    progress = Progress(
        "upload", len(todo.upload), "files", sum(f.size for f in todo.upload), stream
    )
    try:
        failed = _upload_all(client.bucket(bucket), todo.upload, workers, progress)
    finally:
        progress.close()
    failed_keys = {key for key, _ in failed}
    done = [f for f in todo.upload if f.key not in failed_keys]
    return Report(
        considered=len(files),
        skipped=len(todo.unchanged),
        uploaded=len(done),
        bytes_uploaded=sum(f.size for f in done),
        seconds=time.monotonic() - started,
        failed=sorted(failed),
    )


def _upload_all(
    bucket, files: Sequence[LocalFile], workers: int, progress: Progress
) -> list[tuple[str, str]]:
    from google.cloud.storage.retry import DEFAULT_RETRY

    def put(f: LocalFile) -> None:
        # Retried although unconditional: writing the same bytes twice is harmless here.
        bucket.blob(f.key).upload_from_filename(
            str(f.path), content_type="text/csv", checksum="crc32c", retry=DEFAULT_RETRY
        )

    failed = []
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="upload")
    try:
        futures = {pool.submit(put, f): f for f in files}
        for future in as_completed(futures):
            f = futures[future]
            if (error := future.exception()) is not None:
                failed.append((f.key, f"{type(error).__name__}: {error}"))
                progress.advance(0)
            else:
                progress.advance(f.size)
    finally:  # on Ctrl-C, drop the queued files instead of uploading them all first
        pool.shutdown(wait=True, cancel_futures=True)
    return failed


# --- command line ----------------------------------------------------------------------


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        type=Path,
        help="the local landing folder (default: env local's, .local/landing)",
    )
    parser.add_argument("--from", dest="first", type=_date, help="first day (default: all)")
    parser.add_argument("--to", dest="last", type=_date, help="last day (default: all)")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="parallel uploads (default 8)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be uploaded; upload nothing"
    )


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions

    from jobs.landing.gcs import storage_client

    if settings.platform != "gcp":
        return _error(f"upload sends extracts to a cloud env's bucket; {settings.name!r} is local")
    source = args.source or config.load("local", env_dir=config.ENV_DIR).local.landing
    if not LocalLanding(source).available_days():
        return _error(f"no extracts under {source} (make data writes them)")
    bucket = settings.gcp.landing_bucket
    destination = f"gs://{bucket}/{EXTRACT_PREFIX}"
    try:
        client = storage_client(settings.gcp.project)
        if args.dry_run:
            todo = plan(
                local_files(source, args.first, args.last), remote_checksums(client, bucket)
            )
            for f in todo.upload:
                print(f"would upload {f.key} ({f.size} bytes)")
            size = sum(f.size for f in todo.upload)
            print(
                f"upload (dry run): {len(todo.upload) + len(todo.unchanged)} files considered, "
                f"{len(todo.unchanged)} unchanged, {len(todo.upload)} to upload "
                f"({size / MB:.1f} MB) to {destination}"
            )
            return 0
        report = sync(client, bucket, source, args.first, args.last, args.workers)
    except (exceptions.GoogleAPICallError, auth_exceptions.GoogleAuthError) as exc:
        return _error(f"{destination}: {exc}", code=1)
    print(report.line(destination))
    for key, error in report.failed:
        print(f"  failed: {key}: {error}", file=sys.stderr)
    return 1 if report.failed else 0


def _error(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
