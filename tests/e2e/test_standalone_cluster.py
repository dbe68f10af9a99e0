"""The job on a real cluster: executors in JVMs of their own, not the driver's threads.

A Spark standalone master and two workers run on 127.0.0.1 (tests/e2e/cluster.py),
each worker with one core and Spark's default 1 GB executors, and a driver of 1 GB.
The small world's first eight days are backfilled there (a large run: more days than
SMALL_RUN_DAYS, so its layers are spread over partitions) and the next two processed
one day at a time, through `python -m jobs` as a user runs it. The tables must equal,
row for row, the same runs on `local[2]`, and both workers' executors must have run
tasks of them.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from jobs import pipeline, resources
from tests.conftest import WORLD_START, World, small_env
from tests.e2e.cluster import standalone
from tests.e2e.tables import snapshot

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

BACKFILL_TO = WORLD_START + dt.timedelta(days=7)  # eight days: more than SMALL_RUN_DAYS
DAILY = 2


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with standalone(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture(scope="module")
def warehouses(small_world: World, cluster, spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster-runs")
    on_cluster, on_local = folder / "cluster.duckdb", folder / "local.duckdb"

    env_dir = folder / "env"
    small_env(env_dir, "cluster", "local", {
        'master = "local[2]"': f'master = "{cluster.url}"',
        'driver_memory = "1792m"': 'driver_memory = "1g"',
    })  # fmt: skip
    environment = small_world.subprocess_env(
        on_cluster, TICKETS_ENV_DIR=str(env_dir), TICKETS_ENV="cluster"
    )
    for args in (
        ["backfill", "--from", str(WORLD_START), "--to", str(BACKFILL_TO)],
        ["daily", "--max-days", str(DAILY)],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "jobs", *args],
            env=environment, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]

    settings = small_world.with_warehouse(on_local)
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    ctx = pipeline.Context(
        settings=settings, landing=resources.landing_for(settings), warehouse=warehouse, spark=spark
    )
    assert pipeline.backfill(ctx, WORLD_START, BACKFILL_TO).ok
    assert pipeline.daily(ctx, max_days=DAILY).committed[-1] == BACKFILL_TO + dt.timedelta(days=2)
    return on_cluster, on_local


def test_the_cluster_commits_the_tables_of_local_2_row_for_row(warehouses):
    on_cluster, on_local = warehouses
    cluster_tables, local_tables = snapshot(on_cluster), snapshot(on_local)
    assert cluster_tables["fact_tickets"], "the runs committed nothing"
    for name, expected in local_tables.items():
        assert cluster_tables[name] == expected, name


def test_each_worker_s_executors_ran_tasks(warehouses, cluster):
    """Tasks ran in the workers' executor JVMs (their logs say so), not in the driver."""
    for worker in range(len(cluster.work_dirs)):
        logs = cluster.executor_logs(worker)
        assert logs, f"worker {worker} started no executor"
        ran = sum(
            log.read_text(encoding="utf-8", errors="replace").count("Running task") for log in logs
        )
        assert ran > 0, f"worker {worker}'s executors ran no task: {logs}"
