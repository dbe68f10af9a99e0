"""Concurrent triggers (docs/design.md): 8 ticks at once for the same pending day commit it
exactly once, leave no duplicates, and every tick returns cleanly.

Against the job directly (8 threads, each with its own context, on one shared
Spark session) on DuckDB and on the BigQuery emulator, and against the trigger
function (8 HTTP ticks through the functions-framework test client) on DuckDB.
`make reliability` adds 8 separate processes (tools/reliability.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cloud.conftest import (  # noqa: F401  (fixtures of the cloud tests)
    cloud_env,
    cloud_env_dir,
    emulators_running,
)
from tests.conftest import WORLD_START, World
from tests.reliability import harness

pytestmark = [pytest.mark.spark, pytest.mark.e2e]
TICKS = 8


@pytest.fixture(scope="module")
def reference(small_world: World, spark, tmp_path_factory) -> harness.Reference:
    path = tmp_path_factory.mktemp("ref") / "r.duckdb"
    spec = harness.duckdb_spec(small_world.env_dir, "e2e", small_world.landing, path)
    return harness.Reference(harness.Target.build("reference", spec, spark).ctx)


def _prepared(spec: dict, spark, name: str) -> harness.Target:
    target = harness.Target.build(name, spec, spark)
    harness.prepare(target, WORLD_START)  # two days loaded; the third is pending
    return target


def _assert_one_commit(result: harness.Concurrency) -> None:
    assert result.ticks == TICKS
    assert result.commits == 1, result.detail
    assert result.clean, result.detail


def test_eight_threads_on_duckdb_commit_the_day_once(
    small_world: World, spark, reference, tmp_path
):
    spec = harness.duckdb_spec(
        small_world.env_dir, "e2e", small_world.landing, tmp_path / "w.duckdb"
    )
    _prepared(spec, spark, "duckdb")
    _assert_one_commit(
        harness.concurrent_threads(
            "duckdb", lambda: harness.child.context_for(spec, spark), reference, WORLD_START, TICKS
        )
    )


def test_eight_ticks_of_the_function_on_duckdb_commit_the_day_once(
    small_world: World, spark, reference, tmp_path
):
    path = tmp_path / "w.duckdb"
    spec = harness.duckdb_spec(small_world.env_dir, "e2e", small_world.landing, path)
    target = _prepared(spec, spark, "duckdb")
    pending = WORLD_START + dt.timedelta(days=2)
    landing = harness.landing_through(small_world.landing, tmp_path / "landing", pending)
    env = {
        "TICKETS_ENV_DIR": str(small_world.env_dir),
        "TICKETS_ENV": "e2e",
        "TICKETS_LANDING": str(landing),
        "TICKETS_WAREHOUSE": str(path),
    }
    result = harness.concurrent_function(
        "duckdb", env, target.ctx.warehouse, reference, WORLD_START, TICKS
    )
    _assert_one_commit(result)


@pytest.mark.cloud
def test_eight_threads_on_bigquery_commit_the_day_once(
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
    _prepared(spec, spark, "bigquery")
    _assert_one_commit(
        harness.concurrent_threads(
            "bigquery",
            lambda: harness.child.context_for(spec, spark),
            reference,
            WORLD_START,
            TICKS,
        )
    )
