"""The job on a real cluster: executors in JVMs of their own, not the driver's threads.

A Spark standalone master and two workers run on 127.0.0.1 (tests/e2e/cluster.py),
each worker with one core and Spark's default 1 GB executors, and a driver of 1 GB.
The small world's first eight days are backfilled there (a large run: more days than
SMALL_RUN_DAYS, so its layers are spread over partitions) and the next two processed
one day at a time, through `python -m jobs` as a user runs it. The tables must equal,
row for row, the same runs on `local[2]`, and both workers' executors must have run
tasks of them. Then the backfill runs again into a new warehouse, and one executor JVM
is killed in its middle, after its layers are computed and before the timeline reads
them (jobs/faults.py pauses the run there): Spark replaces the executor, and the run
commits the same tables.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from jobs import pipeline, resources
from tests.conftest import WORLD_START, World, small_env
from tests.e2e.cluster import executor_pids, standalone
from tests.e2e.tables import snapshot

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

BACKFILL_TO = WORLD_START + dt.timedelta(days=7)  # eight days: more than SMALL_RUN_DAYS
DAILY = 2


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with standalone(tmp_path_factory.mktemp("cluster")) as running:
        yield running


def cluster_environment(world: World, env_dir, warehouse, **extra) -> dict[str, str]:
    return world.subprocess_env(
        warehouse, TICKETS_ENV_DIR=str(env_dir), TICKETS_ENV="cluster", **extra
    )


@pytest.fixture(scope="module")
def warehouses(small_world: World, cluster, spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster-runs")
    on_cluster, on_local = folder / "cluster.duckdb", folder / "local.duckdb"

    env_dir = folder / "env"
    small_env(env_dir, "cluster", "local", {
        'master = "local[2]"': f'master = "{cluster.url}"',
        'driver_memory = "1792m"': 'driver_memory = "1g"',
    })  # fmt: skip
    environment = cluster_environment(small_world, env_dir, on_cluster)
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
    shutil.copy(on_local, folder / "local-backfill.duckdb")
    assert pipeline.daily(ctx, max_days=DAILY).committed[-1] == BACKFILL_TO + dt.timedelta(days=2)
    return {"cluster": on_cluster, "local": on_local, "env": env_dir,
            "local backfill": folder / "local-backfill.duckdb"}  # fmt: skip


def test_the_cluster_commits_the_tables_of_local_2_row_for_row(warehouses):
    cluster_tables = snapshot(warehouses["cluster"])
    local_tables = snapshot(warehouses["local"])
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


def test_a_backfill_survives_losing_an_executor(warehouses, cluster, small_world, tmp_path):
    backfilled, env_dir = warehouses["local backfill"], warehouses["env"]
    warehouse, marker = tmp_path / "killed.duckdb", tmp_path / "paused"
    environment = cluster_environment(
        small_world, env_dir, warehouse,
        TICKETS_PAUSE_AT="staging.layer:versions", TICKETS_PAUSE_FILE=str(marker),
    )  # fmt: skip
    log = (tmp_path / "backfill.log").open("w", encoding="utf-8")
    run = subprocess.Popen(
        [sys.executable, "-m", "jobs", "backfill", "--from", str(WORLD_START),
         "--to", str(BACKFILL_TO)],
        env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), "the backfill never reached its pause"
        [victim, *_] = executor_pids(cluster, worker=0)
        os.kill(victim, signal.SIGKILL)
        marker.unlink()
        run.wait(timeout=900)
    finally:
        if run.poll() is None:
            run.kill()
        log.close()
    assert run.returncode == 0, (tmp_path / "backfill.log").read_text()[-4000:]
    assert snapshot(warehouse) == snapshot(backfilled)
