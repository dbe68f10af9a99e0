"""Crash anywhere (docs/design.md): a run killed at any point, then the next normal run,
ends in exactly the tables of a clean run — on DuckDB and on the BigQuery emulator.

This is the small sweep of `make test` (a few points per warehouse, one per
phase); `make reliability` runs the full one (tools/reliability.py).
"""

from __future__ import annotations

import pytest

from jobs import faults
from jobs.landing.local import LocalLanding
from tests.cloud.conftest import (  # noqa: F401  (fixtures of the cloud tests)
    cloud_env,
    cloud_env_dir,
    emulators_running,
)
from tests.conftest import WORLD_START, World
from tests.reliability import harness

pytestmark = [pytest.mark.spark, pytest.mark.e2e]


@pytest.fixture(scope="module")
def reference(small_world: World, spark, tmp_path_factory) -> harness.Reference:
    spec = harness.duckdb_spec(
        small_world.env_dir, "e2e", small_world.landing, tmp_path_factory.mktemp("ref") / "r.duckdb"
    )
    return harness.Reference(harness.Target.build("reference", spec, spark).ctx)


def _assert_all_converged(results: list[harness.Result]) -> None:
    failures = [f"{r.item}: {r.detail}" for r in results if not r.converged]
    assert not failures, "\n".join(failures)
    assert not any(r.survivors for r in results), "a killed run left processes behind"


def test_killed_anywhere_on_duckdb_the_next_run_converges(
    small_world: World, spark, reference, tmp_path
):
    spec = harness.duckdb_spec(
        small_world.env_dir, "e2e", small_world.landing, tmp_path / "w.duckdb"
    )
    target = harness.Target.build("duckdb", spec, spark)
    items = harness.quick_sweep("duckdb")
    assert harness.days_needed(items) <= 14
    _assert_all_converged(harness.sweep(target, reference, items, WORLD_START))


@pytest.mark.cloud
def test_killed_anywhere_on_bigquery_the_next_run_converges(
    small_world: World,
    spark,
    reference,
    cloud_env,  # noqa: F811
    cloud_env_dir,  # noqa: F811
):
    from tests.cloud.conftest import fresh_cloud_settings

    gcp = fresh_cloud_settings(cloud_env_dir).gcp
    spec = harness.bigquery_spec(
        cloud_env_dir, "cloud", small_world.landing, gcp, cloud_env.storage_root
    )
    target = harness.Target.build("bigquery", spec, spark)
    assert isinstance(faults.unwrapped(target.ctx.landing), LocalLanding)
    _assert_all_converged(
        harness.sweep(target, reference, harness.quick_sweep("bigquery"), WORLD_START)
    )
