"""GcsLanding against the Cloud Storage emulator, through the official client."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.landing.gcs import GcsLanding
from tests.cloud.conftest import PROJECT, anonymous

D1, D2, D3 = dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 3)

# A BOM, CRLF line ends, a quoted subject with commas, quotes, a newline and non-ASCII text.
TRICKY = (
    "\ufeffticket_id,subject\r\n"
    'T-1,"Café, naïve ""résumé"" —\nzweite Zeile, 日本語"\r\n'
    "T-2,plain\r\n"
).encode()


@pytest.fixture
def client(cloud_env):
    from google.cloud import storage

    return storage.Client(project=PROJECT, credentials=anonymous())


@pytest.fixture
def bucket(cloud_settings, client):
    return client.bucket(cloud_settings.gcp.landing_bucket)


@pytest.fixture
def landing(cloud_settings) -> GcsLanding:
    # No client given: it builds its own, anonymous because STORAGE_EMULATOR_HOST is set.
    return GcsLanding(cloud_settings.gcp.landing_bucket, cloud_settings.gcp.project)


def put(bucket, name: str, data: bytes) -> None:
    bucket.blob(name).upload_from_string(data, content_type="text/csv")


def test_uri_is_the_gs_path_spark_reads(landing, cloud_settings):
    bucket_name = cloud_settings.gcp.landing_bucket
    assert landing.uri(D2) == f"gs://{bucket_name}/tickets/dt=2025-01-02/tickets_2025-01-02.csv"


def test_client_is_built_on_first_use_only(monkeypatch):
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    landing = GcsLanding("some-bucket", "some-project")
    assert landing.uri(D1) == "gs://some-bucket/tickets/dt=2025-01-01/tickets_2025-01-01.csv"
    assert landing._client is None


def test_an_empty_bucket_has_no_days(landing):
    assert landing.available_days() == set()
    assert not landing.exists(D1)


def test_available_days_are_exactly_the_extracts(landing, bucket):
    put(bucket, "tickets/dt=2025-01-01/tickets_2025-01-01.csv", b"a\n")
    put(bucket, "tickets/dt=2025-01-03/tickets_2025-01-03.csv", b"a\n")
    # Not extracts: another name in a day's folder, a file named for another day, a
    # look-alike nested deeper, a temporary file, and an extract outside the prefix.
    put(bucket, "tickets/dt=2025-01-02/notes.txt", b"x")
    put(bucket, "tickets/dt=2025-01-04/tickets_2025-01-05.csv", b"x")
    put(bucket, "tickets/archive/tickets/dt=2025-01-06/tickets_2025-01-06.csv", b"x")
    put(bucket, "tickets/dt=2025-01-07/tickets_2025-01-07.csv.tmp", b"x")
    put(bucket, "other/tickets/dt=2025-01-08/tickets_2025-01-08.csv", b"x")

    assert landing.available_days() == {D1, D3}
    assert landing.exists(D1) and landing.exists(D3)
    assert not landing.exists(D2)
    assert not landing.exists(dt.date(2025, 1, 6))


def test_fetch_returns_the_object_byte_for_byte(landing, bucket):
    put(bucket, "tickets/dt=2025-01-02/tickets_2025-01-02.csv", TRICKY)
    put(bucket, "tickets/dt=2025-01-03/tickets_2025-01-03.csv", b"")

    assert landing.fetch(D2).data == TRICKY
    assert landing.fetch(D3).data == b""
    assert landing.available_days() == {D2, D3}


# CRC32C's published check value: the checksum of "123456789" is 0xE3069283 (RFC 3720,
# B.4), which Cloud Storage writes as the base64 of its four big-endian bytes.
CHECK_CRC32C = "4waSgw=="


def test_a_fetched_file_and_the_listing_give_the_same_identity(landing, bucket):
    put(bucket, "tickets/dt=2025-01-01/tickets_2025-01-01.csv", b"123456789")
    fetched = landing.fetch(D1).identity
    assert (fetched.size, fetched.crc32c) == (9, CHECK_CRC32C)
    blob = bucket.get_blob("tickets/dt=2025-01-01/tickets_2025-01-01.csv")
    assert fetched.generation == blob.generation
    assert landing.identities() == {D1: fetched}  # the emulator's own checksum agrees


def test_a_redelivery_is_a_new_generation_and_new_content_only_if_the_bytes_differ(landing, bucket):
    name = "tickets/dt=2025-01-01/tickets_2025-01-01.csv"
    put(bucket, name, b"123456789")
    first = landing.identities()[D1]
    put(bucket, name, b"123456789")
    same = landing.identities()[D1]
    put(bucket, name, b"123456780")
    other = landing.identities()[D1]
    assert same.generation != first.generation and same.same_content(first)
    assert not other.same_content(first) and other.size == first.size


def test_a_given_client_is_used(cloud_settings, client, bucket):
    put(bucket, "tickets/dt=2025-01-01/tickets_2025-01-01.csv", b"h\n")
    landing = GcsLanding(cloud_settings.gcp.landing_bucket, "ignored", client=client)
    assert landing.client is client
    assert landing.available_days() == {D1}
