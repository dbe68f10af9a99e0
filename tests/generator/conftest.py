"""Shared generated datasets for the generator tests (small scales, generated once)."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import pytest

from generator import generate
from jobs import config

from .rules import read_all, read_landing

ZONE = ZoneInfo("Asia/Kolkata")


@pytest.fixture(scope="session")
def settings():
    return config.load("local")


@pytest.fixture(scope="session")
def year(settings, tmp_path_factory):
    """The whole year at scale 0.05 with the default defect rate: (landing, summary)."""
    landing = tmp_path_factory.mktemp("year")
    return landing, generate(settings, landing, scale=0.05)


@pytest.fixture(scope="session")
def parsed(year):
    """Per file of `year`: (header, records)."""
    return read_landing(year[0], ZONE)


@pytest.fixture(scope="session")
def rows(parsed):
    return [row for _, records in parsed.values() for row in records]


@pytest.fixture(scope="session")
def heavy(settings, tmp_path_factory):
    """Scale 0.02 with a 5 % defect rate, so every defect kind occurs many times."""
    landing = tmp_path_factory.mktemp("heavy")
    noisy = dataclasses.replace(
        settings, simulation=dataclasses.replace(settings.simulation, defect_rate=0.05)
    )
    summary = generate(noisy, landing, scale=0.02)
    return landing, summary, read_all(landing, ZONE)
