"""Defective rows: their share, their kinds, and valid-but-messy values."""

from __future__ import annotations

import collections
import dataclasses

from generator import DEFECT_KINDS, generate

from .conftest import ZONE
from .rules import HEADER, read_all


def test_defect_share_follows_the_defect_rate(rows, year):
    _, summary = year
    bad = sum(not r.valid for r in rows)
    assert bad == summary.defective_rows
    assert 0.7 * 0.005 < bad / len(rows) < 1.3 * 0.005


def test_every_kind_occurs_once_per_row_and_as_declared(heavy):
    _, summary, got = heavy
    bad = [r for r in got if not r.valid]
    assert 0.04 < len(bad) / len(got) < 0.06
    assert all(len(r.reasons) == 1 for r in bad), {tuple(r.reasons) for r in bad}
    found = collections.Counter(r.reasons[0] for r in bad)
    assert set(found) == set(DEFECT_KINDS)
    assert dict(summary.defects_by_kind) == {k: found[k] for k in DEFECT_KINDS}
    assert min(found.values()) > 0.05 * len(bad)  # spread over the kinds


def test_defects_look_like_real_export_garbage(heavy):
    _, _, got = heavy
    bad = [r for r in got if not r.valid]
    values = collections.defaultdict(set)
    for r in bad:
        kind = r.reasons[0]
        if kind == "malformed_row":
            values[kind].add(len(r.fields))
        elif kind == "bad_created_at":
            values[kind].add(r["created_at"])
        elif kind == "bad_updated_at":
            values[kind].add(r["updated_at"])
        elif kind in ("unknown_status", "unknown_priority", "reopen_count", "csat_score"):
            values[kind].add(r[kind.removeprefix("unknown_")])
        elif kind in ("bad_reopen_count", "bad_csat_score"):
            values[kind].add(r[kind.removeprefix("bad_")])
    assert {"yesterday", "2025-13-45T99:00:00Z", "2025-02-30T10:00:00Z", ""} <= values[
        "bad_created_at"]  # fmt: skip
    assert "escalated" in values["unknown_status"] and "P1" in values["unknown_priority"]
    assert {"-1", "two"} <= values["bad_reopen_count"]
    assert {"0", "7", "4.5"} <= values["bad_csat_score"]
    assert max(values["malformed_row"]) < len(HEADER) - 3  # missing its last several fields


def test_valid_messy_enum_values_occur(rows):
    messy = [r for r in rows if r.valid and (r["status"] != r.norm("status")
             or r["priority"] != r.norm("priority"))]  # fmt: skip
    assert 0.002 * len(rows) < len(messy) < 0.03 * len(rows)
    assert any(r["status"] != r["status"].strip() for r in messy)
    assert any(r["priority"].isupper() for r in messy)


def test_zero_defect_rate_gives_clean_files(settings, tmp_path):
    clean = dataclasses.replace(
        settings, simulation=dataclasses.replace(settings.simulation, defect_rate=0.0)
    )
    summary = generate(clean, tmp_path, scale=0.01)
    got = read_all(tmp_path, ZONE)
    assert summary.defective_rows == 0 and all(r.valid for r in got)
