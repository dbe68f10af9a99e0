"""The backfill on a real cluster, at size: Jan-Oct at SCALE 4 on a Spark standalone
master and two workers on 127.0.0.1 (tests/e2e/cluster.py), each worker with one core
and an executor of Spark's default 1 GB, and a driver whose heap is 1 GB. The run's
tables, held in memory, are several times that heap: they pass from the executors to
the staging and from there to the warehouse, never through the driver. The figures are
the time, the peaks of the Python driver, of the driver JVM and of the executors, the
tables' size against the driver's heap, and whether the KPIs match the oracle."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb

from bench.process_tree import tree_rss_kb
from bench.runs import Bench, Figure, JobFailed, timed, verdict

SCALE = 4.0
WORKERS = 2
DRIVER_MEMORY = "1g"
DRIVER_HEAP_MB = 1024
ENV = "cluster"


def at_size(bench: Bench, scale: float = SCALE) -> list[Figure]:
    from tests.e2e.cluster import standalone
    from tests.envs import write_env
    from tests.oracle import recompute
    from tests.oracle.compare import differences

    settings = bench.settings
    first, last = settings.processing.start, settings.simulation.backfill_to
    folder = bench.work / "cluster"
    landing, warehouse = folder / "landing", folder / "w.duckdb"
    bench.job("data", "--scale", str(scale), landing=landing, warehouse=warehouse,
              module="workstation")  # fmt: skip
    what = (
        f"backfill Jan-Oct at SCALE {scale:g} on a standalone cluster ({WORKERS} workers x "
        f"1 core, 1 GB executors; {DRIVER_MEMORY} driver)"
    )
    with standalone(folder / "spark", workers=WORKERS) as cluster:
        write_env(folder / "env", ENV, "local", {
            'master = "local[2]"': f'master = "{cluster.url}"',
            'driver_memory = "1792m"': f'driver_memory = "{DRIVER_MEMORY}"',
        })  # fmt: skip
        variables = {"TICKETS_ENV_DIR": str(folder / "env"), "TICKETS_ENV": ENV}
        try:
            with executors_peak(cluster) as executors:
                seconds, peak = bench.job("backfill", landing=landing, warehouse=warehouse,
                                          timeout=3600, env=variables)  # fmt: skip
        except JobFailed as exc:
            shutil.rmtree(folder)
            return [(what, "failed", str(exc))]
    baseline, expected = timed(lambda: recompute(landing, first, last, settings))
    found = differences(warehouse, expected)
    held_mb = _tables_in_memory_mb(warehouse)
    shutil.rmtree(folder)
    return [
        (
            what,
            f"{seconds:.1f} s",
            f"{seconds / baseline:.1f} x baseline ({baseline:.1f} s); peak: Python driver "
            f"{peak.python} MB, driver JVM {peak.descendants} MB, executors "
            f"{executors['each']} MB each ({executors['all']} MB both); tables {held_mb:,} MB "
            f"as Arrow = {held_mb / DRIVER_HEAP_MB:.1f} x the driver's heap; {verdict(found)}",
        )
    ]


@contextlib.contextmanager
def executors_peak(cluster) -> Iterator[dict[str, int]]:
    """The peak resident memory (MB) of one executor JVM and of all of them at once, sampled
    while the block runs; the executors are the workers' children, not the job's."""
    from tests.e2e.cluster import executor_pids

    peak = {"each": 0, "all": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sizes = [
                tree_rss_kb(pid)
                for worker in range(len(cluster.work_dirs))
                for pid in executor_pids(cluster, worker)
            ]
            peak["each"] = max(peak["each"], max(sizes, default=0) // 1024)
            peak["all"] = max(peak["all"], sum(sizes) // 1024)
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def _tables_in_memory_mb(warehouse: Path) -> int:
    """What the run's tables take as Arrow in memory: what a driver that collected them
    would have had to hold."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return sum(con.table(n).to_arrow_table().nbytes for n in names) // 2**20
