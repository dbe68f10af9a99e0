"""Consecutive years (`make data YEARS=2`): the first year's files do not change, the
second grows, tickets carry across New Year, ids stay unique, and it is deterministic."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from generator import generate
from jobs import config

from .conftest import ZONE
from .rules import read_all
from .test_generator_runs import digests

SCALE = 0.02


@pytest.fixture(scope="module")
def two_years(settings, tmp_path_factory):
    """Two years at a small scale: (landing, summary, settings)."""
    longer = dataclasses.replace(
        settings, simulation=dataclasses.replace(settings.simulation, end=dt.date(2026, 12, 31))
    )
    landing = tmp_path_factory.mktemp("two-years")
    return landing, generate(longer, landing, scale=SCALE), longer


def test_the_first_year_is_the_same_whether_one_or_two_are_generated(settings, two_years, tmp_path):
    landing, summary, _ = two_years
    generate(settings, tmp_path, scale=SCALE)
    one = digests(tmp_path)
    both = digests(landing)
    assert summary.days == 730 and len(one) == 365
    assert {name: both[name] for name in one} == one


def test_two_generations_give_the_same_bytes(two_years, tmp_path):
    landing, _, longer = two_years
    generate(longer, tmp_path, scale=SCALE, start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 7))
    again = digests(tmp_path)
    assert again and all(digests(landing)[name] == digest for name, digest in again.items())


@pytest.fixture(scope="module")
def valid_rows(two_years):
    return [row for row in read_all(two_years[0], ZONE) if row.valid]


def test_the_second_year_grows_on_the_first(valid_rows):
    per_year = {2025: 0, 2026: 0}
    for row in valid_rows:
        per_year[row.day.year] += 1
    assert 1.15 < per_year[2026] / per_year[2025] < 1.6  # YEARLY_GROWTH: 1.25, plus carry-over


def test_tickets_carry_across_new_year_and_ids_stay_unique(valid_rows):
    created: dict[str, set[str]] = {}
    for row in valid_rows:
        created.setdefault(row["ticket_id"].strip(), set()).add(row["created_at"].strip())
    assert all(len(times) == 1 for times in created.values())  # one ticket, one creation
    crossing = {
        row["ticket_id"] for row in valid_rows
        if row.day.year == 2026 and row["created_at"].startswith("2025")
    }  # fmt: skip
    assert len(crossing) > 50
    new_in_2026 = [t for t, (c,) in ((t, tuple(c)) for t, c in created.items()) if c > "2026-01-01"]
    assert len(new_in_2026) > 1000


def test_years_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TICKETS_YEARS", "3")
    assert config.load("local").simulation.end == dt.date(2027, 12, 31)
    monkeypatch.setenv("TICKETS_YEARS", "zero")
    with pytest.raises(config.ConfigError, match="TICKETS_YEARS must be a whole number"):
        config.load("local")


def test_make_data_writes_a_range_of_the_simulated_years(monkeypatch, tmp_path, capsys):
    from workstation import cli

    monkeypatch.setenv("TICKETS_LANDING", str(tmp_path))
    monkeypatch.setenv("TICKETS_YEARS", "2")
    assert cli.main(["data", "--scale", "0.01", "--from", "2026-01-01", "--to", "2026-01-03"]) == 0
    names = sorted(p.name for p in (tmp_path / "tickets").glob("dt=*/*.csv"))
    assert names == [f"tickets_2026-01-0{d}.csv" for d in (1, 2, 3)]
    monkeypatch.delenv("TICKETS_YEARS")
    assert cli.main(["data", "--scale", "0.01", "--to", "2026-01-03"]) == 2
    assert "must be a range within 2025-01-01..2025-12-31" in capsys.readouterr().err
