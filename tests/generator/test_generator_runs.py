"""Determinism, start/end, reuse of existing data, interrupted runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from generator import generate

from .rules import files


def digests(landing):
    return {p.relative_to(landing).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files(landing)}  # fmt: skip


def test_same_seed_gives_the_same_bytes(settings, tmp_path):
    a = generate(settings, tmp_path / "a", scale=0.01, seed=7)
    b = generate(settings, tmp_path / "b", scale=0.01, seed=7)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert (a.rows, a.bytes, a.defective_rows) == (b.rows, b.bytes, b.defective_rows)


def test_another_seed_gives_other_data(settings, tmp_path):
    generate(settings, tmp_path / "a", scale=0.01, seed=7)
    generate(settings, tmp_path / "b", scale=0.01, seed=8)
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert a.keys() == b.keys()
    assert sum(a[k] != b[k] for k in a) > 300


def test_start_end_restrict_the_days_without_changing_them(settings, year, tmp_path):
    landing, _ = year
    full = digests(landing)
    summary = generate(
        settings, tmp_path, scale=0.05, start=dt.date(2025, 3, 30), end=dt.date(2025, 4, 2)
    )
    part = digests(tmp_path)
    assert sorted(part) == [f"tickets/dt=2025-0{d}/tickets_2025-0{d}.csv"
                            for d in ("3-30", "3-31", "4-01", "4-02")]  # fmt: skip
    assert all(part[k] == full[k] for k in part)
    assert summary.days == 4
    last = generate(settings, tmp_path / "dec", scale=0.05, start=dt.date(2025, 12, 31))
    assert last.days == 1
    key = "tickets/dt=2025-12-31/tickets_2025-12-31.csv"
    assert digests(tmp_path / "dec") == {key: full[key]}


def test_second_call_with_the_same_parameters_is_skipped(settings, tmp_path):
    first = generate(settings, tmp_path, scale=0.01)
    stamps = {p: p.stat().st_mtime_ns for p in files(tmp_path)}
    calls = []
    again = generate(settings, tmp_path, scale=0.01, progress=lambda d, t: calls.append(d))
    assert again.skipped and not first.skipped
    assert (again.days, again.rows, again.bytes, again.defective_rows) == (
        first.days, first.rows, first.bytes, first.defective_rows)  # fmt: skip
    assert calls == []
    assert {p: p.stat().st_mtime_ns for p in files(tmp_path)} == stamps
    # Other parameters are not reused.
    other = generate(settings, tmp_path, scale=0.01, seed=99)
    assert not other.skipped
    manifest = json.loads((tmp_path / "tickets" / "_manifest.json").read_text())
    assert manifest["seed"] == 99


def test_missing_or_resized_file_is_regenerated(settings, tmp_path):
    generate(settings, tmp_path, scale=0.01)
    before = digests(tmp_path)
    victim = files(tmp_path)[40]
    victim.unlink()
    assert not generate(settings, tmp_path, scale=0.01).skipped
    assert digests(tmp_path) == before
    files(tmp_path)[41].write_bytes(b"ticket_id\n")
    assert not generate(settings, tmp_path, scale=0.01).skipped
    assert digests(tmp_path) == before
    assert generate(settings, tmp_path, scale=0.01).skipped


def test_a_partial_landing_is_not_reused_for_a_bigger_range(settings, tmp_path):
    january = generate(settings, tmp_path, scale=0.01, end=dt.date(2025, 1, 31))
    assert january.days == 31
    year = generate(settings, tmp_path, scale=0.01)
    assert not year.skipped and year.days == 365
    assert generate(settings, tmp_path, scale=0.01, end=dt.date(2025, 1, 31)).skipped


def test_an_interrupted_run_leaves_no_manifest_and_no_half_files(settings, tmp_path):
    generate(settings, tmp_path, scale=0.01, seed=1)

    def stop(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(settings, tmp_path, scale=0.01, seed=2, progress=stop)
    root = tmp_path / "tickets"
    assert not (root / "_manifest.json").exists()  # the old one no longer describes the files
    assert [p for p in root.rglob("*.tmp")] == []
    resumed = generate(settings, tmp_path, scale=0.01, seed=2)
    assert not resumed.skipped
    fresh = tmp_path / "fresh"
    generate(settings, fresh, scale=0.01, seed=2)
    assert digests(tmp_path) == digests(fresh)


def test_progress_reports_every_file(settings, tmp_path):
    calls = []
    generate(settings, tmp_path, scale=0.01, end=dt.date(2025, 1, 10),
             progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    assert calls == [(i, 10) for i in range(1, 11)]


def test_bad_ranges_are_refused(settings, tmp_path):
    with pytest.raises(ValueError):
        generate(settings, tmp_path, scale=0.01, start=dt.date(2025, 5, 2), end=dt.date(2025, 5, 1))
    with pytest.raises(ValueError):
        generate(settings, tmp_path, scale=0.01, end=dt.date(2026, 1, 1))
