"""The files themselves: layout, header, encoding, RFC 4180, manifest."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

from .rules import HEADER, files


def test_every_day_of_the_year_has_a_file(year):
    landing, summary = year
    names = [p.relative_to(landing / "tickets").as_posix() for p in files(landing)]
    first = dt.date(2025, 1, 1)
    expected = [
        f"dt={d}/tickets_{d}.csv" for d in (first + dt.timedelta(days=i) for i in range(365))
    ]
    assert names == expected
    assert summary.days == 365 and not summary.skipped


def test_header_encoding_and_line_ends(year, parsed):
    landing, _ = year
    for path in files(landing):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path
        assert b"\r" not in data, path
        assert data.endswith(b"\n"), path
        data.decode("utf-8")  # strict
        assert parsed[path][0] == HEADER, path


def test_files_are_minimal_rfc4180(year):
    """Re-writing the parsed records with the csv module gives back the same bytes:
    comma separated, '"' quotes only where needed, doubled inner quotes, LF ends."""
    landing, _ = year
    for path in files(landing):
        data = path.read_bytes()
        records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True))
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(records)
        assert out.getvalue().encode("utf-8") == data, path


def test_rows_have_the_header_columns_unless_truncated(rows):
    widths = {len(r.fields) for r in rows}
    assert len(HEADER) in widths
    short = [r for r in rows if len(r.fields) != len(HEADER)]
    assert all(len(r.fields) < len(HEADER) for r in short)
    assert all(r.reasons == ["malformed_row"] for r in short)


def test_manifest_lists_every_file_with_size_and_hash(year, parsed):
    landing, summary = year
    manifest = json.loads((landing / "tickets" / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["year"] == 2025 and manifest["scale"] == 0.05
    assert manifest["seed"] == 20250101 and manifest["defect_rate"] == 0.005
    assert manifest["generator_version"]
    listed = manifest["files"]
    assert len(listed) == 365
    total_rows = total_bytes = 0
    for path in files(landing):
        entry = listed[path.relative_to(landing / "tickets").as_posix()]
        data = path.read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == len(parsed[path][1])
        total_rows += entry["rows"]
        total_bytes += entry["size"]
    assert (summary.rows, summary.bytes) == (total_rows, total_bytes)


def test_no_temporary_files_are_left(year):
    landing, _ = year
    leftovers = [p for p in (landing / "tickets").rglob("*") if p.is_file()
                 and not (p.name.endswith(".csv") and p.name.startswith("tickets_"))
                 and p.name != "_manifest.json"]  # fmt: skip
    assert leftovers == []
