"""The upload of local extracts to the landing bucket: the plan (pure), the progress
output, and whole runs against the Cloud Storage emulator through the official client."""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest

from tests.cloud.conftest import PROJECT, anonymous
from workstation import upload
from workstation.upload import LocalFile, plan

DAYS = [dt.date(2025, 1, d) for d in (1, 2, 3)]
MB_ = 1_000_000


def key(day: dt.date) -> str:
    return f"tickets/dt={day}/tickets_{day}.csv"


def extract(day: dt.date, rows: int) -> bytes:
    """A small extract: quoted subjects with commas, quotes, a newline and non-ASCII text."""
    lines = ["ticket_id,created_at,subject"]
    for i in range(rows):
        lines.append(f'T-{day:%m%d}-{i},{day}T0{i % 10}:00:00Z,"Café, n° {i} ""résumé""\nok"')
    return ("\r\n".join(lines) + "\r\n").encode()


def write_landing(root: Path, contents: dict[dt.date, bytes]) -> None:
    for day, data in contents.items():
        path = root / key(day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def local_file(name: str, crc: str, size: int = 1) -> LocalFile:
    return LocalFile(name, Path("/nowhere") / name, size, crc)


# --- the plan -----------------------------------------------------------------------------


def test_plan_uploads_what_is_missing_or_different_and_skips_the_rest():
    local = [
        local_file("tickets/c", "CCCC"),  # absent from the bucket
        local_file("tickets/a", "AAAA"),  # same checksum
        local_file("tickets/b", "BBBB"),  # other bytes in the bucket
        local_file("tickets/e", "EEEE"),  # the object has no checksum
    ]
    remote = {"tickets/a": "AAAA", "tickets/b": "XXXX", "tickets/d": "DDDD", "tickets/e": None}

    result = plan(local, remote)

    assert [f.key for f in result.upload] == ["tickets/b", "tickets/c", "tickets/e"]
    assert [f.key for f in result.unchanged] == ["tickets/a"]


def test_plan_of_an_empty_bucket_uploads_everything_and_of_a_full_one_nothing():
    local = [local_file("tickets/x", "1111"), local_file("tickets/y", "2222")]
    assert [f.key for f in plan(local, {}).upload] == ["tickets/x", "tickets/y"]
    full = plan(local, {"tickets/x": "1111", "tickets/y": "2222"})
    assert full.upload == () and len(full.unchanged) == 2


def test_crc32c_is_the_base64_form_cloud_storage_reports(tmp_path):
    path = tmp_path / "check"
    path.write_bytes(b"123456789")  # the CRC-32C check value is 0xE3069283
    assert upload.crc32c(path) == base64.b64encode(bytes.fromhex("e3069283")).decode()


def test_local_files_are_the_extracts_in_the_range(tmp_path):
    contents = {day: extract(day, 2 + day.day) for day in DAYS}
    write_landing(tmp_path, contents)
    (tmp_path / "tickets" / "dt=2025-01-02" / "notes.txt").write_text("not an extract")
    (tmp_path / "tickets" / "_manifest.json").write_text("{}")

    files = upload.local_files(tmp_path)
    assert [f.key for f in files] == [key(d) for d in DAYS]
    assert [f.size for f in files] == [len(contents[d]) for d in DAYS]
    assert [f.key for f in upload.local_files(tmp_path, DAYS[1], DAYS[2])] == [
        key(DAYS[1]),
        key(DAYS[2]),
    ]
    assert [f.key for f in upload.local_files(tmp_path, last=DAYS[0])] == [key(DAYS[0])]


# --- against the emulator ---------------------------------------------------------------


@pytest.fixture
def client(cloud_env):
    from google.cloud import storage

    return storage.Client(project=PROJECT, credentials=anonymous())


def objects(client, bucket: str) -> dict[str, tuple[bytes, int]]:
    """Every object in the bucket: name -> (bytes, generation as listed)."""
    listed = {b.name: (b, b.generation) for b in client.list_blobs(bucket)}
    # (generation first: the download resets it from headers the emulator does not send)
    return {name: (blob.download_as_bytes(), gen) for name, (blob, gen) in listed.items()}


def sync(client, settings, source, **kwargs):
    return upload.sync(
        client, settings.gcp.landing_bucket, source, workers=3, stream=io.StringIO(), **kwargs
    )


def test_upload_is_complete_then_free_then_only_what_changed(client, cloud_settings, tmp_path):
    bucket = cloud_settings.gcp.landing_bucket
    contents = {day: extract(day, 3 + day.day) for day in DAYS}
    write_landing(tmp_path, contents)
    (tmp_path / "tickets" / "dt=2025-01-01" / "notes.txt").write_text("not an extract")

    first = sync(client, cloud_settings, tmp_path)
    assert (first.considered, first.skipped, first.uploaded) == (3, 0, 3)
    assert first.bytes_uploaded == sum(len(data) for data in contents.values())
    assert first.failed == [] and first.seconds > 0
    after_first = objects(client, bucket)
    assert {name: data for name, (data, _) in after_first.items()} == {
        key(day): data for day, data in contents.items()
    }

    second = sync(client, cloud_settings, tmp_path)
    assert (second.considered, second.skipped, second.uploaded) == (3, 3, 0)
    assert second.bytes_uploaded == 0
    assert objects(client, bucket) == after_first  # not even rewritten: same generations

    changed = contents[DAYS[1]].replace(b"n\xc2\xb0 1 ", b"n\xc2\xb0 9 ")
    assert len(changed) == len(contents[DAYS[1]]) and changed != contents[DAYS[1]]
    (tmp_path / key(DAYS[1])).write_bytes(changed)
    third = sync(client, cloud_settings, tmp_path)
    assert (third.considered, third.skipped, third.uploaded) == (3, 2, 1)
    assert third.bytes_uploaded == len(changed)
    after_third = objects(client, bucket)
    assert after_third[key(DAYS[1])][0] == changed
    assert after_third[key(DAYS[1])][1] != after_first[key(DAYS[1])][1]  # a new generation
    for day in (DAYS[0], DAYS[2]):
        assert after_third[key(day)] == after_first[key(day)]

    new_day = dt.date(2025, 1, 4)
    new_data = extract(new_day, 5)
    write_landing(tmp_path, {new_day: new_data})
    fourth = sync(client, cloud_settings, tmp_path)
    assert (fourth.considered, fourth.skipped, fourth.uploaded) == (4, 3, 1)
    assert fourth.bytes_uploaded == len(new_data)
    after_fourth = objects(client, bucket)
    assert after_fourth[key(new_day)][0] == new_data
    assert {n: v for n, v in after_fourth.items() if n != key(new_day)} == after_third


def test_upload_of_a_day_range(client, cloud_settings, tmp_path):
    contents = {day: extract(day, 2) for day in DAYS}
    write_landing(tmp_path, contents)

    report = sync(client, cloud_settings, tmp_path, first=DAYS[1], last=DAYS[2])

    assert (report.considered, report.uploaded) == (2, 2)
    assert report.bytes_uploaded == len(contents[DAYS[1]]) + len(contents[DAYS[2]])
    assert set(objects(client, cloud_settings.gcp.landing_bucket)) == {key(DAYS[1]), key(DAYS[2])}


def test_a_failed_file_is_reported_and_the_next_run_uploads_only_it(
    client, cloud_settings, tmp_path, monkeypatch
):
    from google.cloud import storage

    contents = {day: extract(day, 4) for day in DAYS}
    write_landing(tmp_path, contents)
    original = storage.Blob.upload_from_filename

    def flaky(blob, *args, **kwargs):
        if blob.name == key(DAYS[1]):
            raise ConnectionError("network down")
        return original(blob, *args, **kwargs)

    monkeypatch.setattr(storage.Blob, "upload_from_filename", flaky)
    broken = sync(client, cloud_settings, tmp_path)
    assert (broken.considered, broken.uploaded) == (3, 2)
    assert broken.failed == [(key(DAYS[1]), "ConnectionError: network down")]
    assert broken.bytes_uploaded == len(contents[DAYS[0]]) + len(contents[DAYS[2]])

    monkeypatch.setattr(storage.Blob, "upload_from_filename", original)
    resumed = sync(client, cloud_settings, tmp_path)
    assert (resumed.considered, resumed.skipped, resumed.uploaded) == (3, 2, 1)
    assert resumed.bytes_uploaded == len(contents[DAYS[1]])
    stored = objects(client, cloud_settings.gcp.landing_bucket)
    assert {n: data for n, (data, _) in stored.items()} == {
        key(d): data for d, data in contents.items()
    }


# --- the command ------------------------------------------------------------------------


def args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    upload.add_arguments(parser)
    return parser.parse_args(argv)


def test_command_prints_the_report(cloud_settings, tmp_path, capsys):
    contents = {day: extract(day, 2) for day in DAYS}
    write_landing(tmp_path, contents)
    bucket = cloud_settings.gcp.landing_bucket
    size = sum(len(d) for d in contents.values())

    assert upload.run(cloud_settings, args("--source", str(tmp_path), "--dry-run")) == 0
    out = capsys.readouterr().out
    assert out.count("would upload tickets/dt=") == 3
    assert f"3 files considered, 0 unchanged, 3 to upload ({size / 1e6:.1f} MB)" in out

    assert upload.run(cloud_settings, args("--source", str(tmp_path))) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"upload: 3 files considered, 0 unchanged (skipped), 3 uploaded ({size / 1e6:.1f} MB) "
        f"to gs://{bucket}/tickets/ in "
    )

    assert upload.run(cloud_settings, args("--source", str(tmp_path), "--to", "2025-01-02")) == 0
    assert "2 files considered, 2 unchanged (skipped), 0 uploaded (0.0 MB)" in (
        capsys.readouterr().out
    )


def test_command_reads_env_locals_landing_by_default(cloud_settings, client, tmp_path, monkeypatch):
    write_landing(tmp_path, {DAYS[0]: extract(DAYS[0], 1)})
    monkeypatch.setenv("TICKETS_LANDING", str(tmp_path))  # env local's landing folder
    assert upload.run(cloud_settings, args()) == 0
    assert set(objects(client, cloud_settings.gcp.landing_bucket)) == {key(DAYS[0])}


def test_command_refuses_a_local_env_and_an_empty_source(cloud_settings, tmp_path, capsys):
    local = dataclasses.replace(cloud_settings, name="local", platform="local")
    assert upload.run(local, args("--source", str(tmp_path))) == 2
    assert "is local" in capsys.readouterr().err
    assert upload.run(cloud_settings, args("--source", str(tmp_path))) == 2
    assert f"no extracts under {tmp_path}" in capsys.readouterr().err


def test_command_fails_clearly_when_the_bucket_is_missing(cloud_settings, tmp_path, capsys):
    write_landing(tmp_path, {DAYS[0]: extract(DAYS[0], 1)})
    gcp = dataclasses.replace(cloud_settings.gcp, landing_bucket="no-such-bucket-here")
    missing = dataclasses.replace(cloud_settings, gcp=gcp)
    assert upload.run(missing, args("--source", str(tmp_path))) == 1
    assert "error: gs://no-such-bucket-here/tickets/" in capsys.readouterr().err
