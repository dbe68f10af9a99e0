"""Fixtures shared by the whole suite: one Spark session, and a small generated world.

`small_world` is a tiny environment folder (two weeks of January at a small
scale, a high defect rate so every kind of bad row occurs) written to a temp
folder and selected through TICKETS_ENV_DIR, so subprocesses (the function
server, crash tests) load exactly the same settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from jobs import config
from jobs.config import LocalSettings, Settings
from tests.envs import window, write_env

WORLD_START = dt.date(2025, 1, 1)
WORLD_END = dt.date(2025, 1, 14)
BACKFILL_TO = dt.date(2025, 1, 7)


@pytest.fixture(scope="session")
def spark():
    from jobs import spark as jobs_spark

    session = jobs_spark.session(config.load("local"))
    yield session


@dataclasses.dataclass(frozen=True)
class World:
    env_dir: Path
    landing: Path
    settings: Settings  # with a warehouse path that tests replace

    def with_warehouse(self, path: Path, landing: Path | None = None) -> Settings:
        local = LocalSettings(landing=landing or self.landing, warehouse=path)
        return dataclasses.replace(self.settings, local=local)

    def subprocess_env(self, warehouse: Path, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(config.REPO_ROOT),
            "TICKETS_ENV_DIR": str(self.env_dir),
            "TICKETS_ENV": "e2e",
            "TICKETS_LANDING": str(self.landing),
            "TICKETS_WAREHOUSE": str(warehouse),
            **extra,
        }


def small_env(
    env_dir: Path, name: str, template: str, replacements: dict[str, str] | None = None
) -> Settings:
    """env/<template> as environment `name` in env_dir, over the small world's window (two
    weeks, a small scale, a high defect rate); `replacements` change more lines."""
    world = window(template, WORLD_START, WORLD_END, BACKFILL_TO, scale=0.05, defect_rate=0.04)
    return write_env(env_dir, name, template, {**world, **(replacements or {})})


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> World:
    from generator import generate

    root = tmp_path_factory.mktemp("world")
    env_dir = root / "env"
    settings = small_env(env_dir, "e2e", template="local")
    landing = root / "landing"
    generate(settings, landing, start=WORLD_START, end=WORLD_END)
    world = World(env_dir=env_dir, landing=landing, settings=settings)
    return dataclasses.replace(world, settings=world.with_warehouse(root / "unused.duckdb"))


@pytest.fixture
def landing_copy(small_world: World, tmp_path: Path) -> Path:
    """A private copy of the landing folder, for tests that damage files."""
    target = tmp_path / "landing"
    shutil.copytree(small_world.landing, target)
    return target


def pytest_collection_modifyitems(items):
    """Whole-pipeline modules (marked e2e) first, the rest after, each in its own order.

    Under `make test` pytest-xdist hands whole files to two workers in this order:
    the few files that take most of the time then start first and the many quick
    ones fill the gaps, instead of a long file starting last on one worker.
    """
    heavy = {item.path for item in items if item.get_closest_marker("e2e")}
    items.sort(key=lambda item: item.path not in heavy)
