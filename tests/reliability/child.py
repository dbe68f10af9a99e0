"""One pipeline run in a process of its own, for the crash and concurrency harness.

    python -m tests.reliability.child '<spec as JSON>'

The spec names the environment (`env_dir`, `env`), the landing folder, the
warehouse (`{"kind": "duckdb", "path": ...}` or `{"kind": "bigquery",
"dataset": ..., "landing_bucket": ..., "staging_bucket": ..., "storage_root": ...}`)
and the run (`mode` daily / replay / backfill, with `day` or `first` and `last`).
Spark always reads the extracts from the local folder: reading gs:// needs the Cloud
Storage connector that Dataproc ships and this machine cannot fetch, so a BigQuery run
is wired here instead of through `jobs.resources`. Its staging bucket is mounted where
the storage emulator keeps it (`storage_root`), as the rehearsal mounts it.

Kill points come from the environment (`TICKETS_KILL_AT`, jobs/faults.py). The
outcome is printed as one JSON line; the exit code is 0 when the run did not fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

from jobs import config, pipeline
from jobs.config import LocalSettings, Settings


def settings_for(spec: dict) -> Settings:
    settings = config.load(spec["env"], env_dir=Path(spec["env_dir"]))
    store = spec["warehouse"]
    if store["kind"] == "duckdb":
        local = LocalSettings(landing=Path(spec["landing"]), warehouse=Path(store["path"]))
        return dataclasses.replace(settings, platform="local", local=local)
    gcp = dataclasses.replace(
        settings.gcp,
        dataset=store["dataset"],
        landing_bucket=store["landing_bucket"],
        staging_bucket=store["staging_bucket"],
    )
    return dataclasses.replace(settings, gcp=gcp)


def context_for(spec: dict, spark) -> pipeline.Context:
    from jobs.landing.local import LocalLanding

    settings = settings_for(spec)
    if spec["warehouse"]["kind"] == "duckdb":
        from jobs.warehouse.duckdb import DuckDBWarehouse

        warehouse = DuckDBWarehouse(settings.local.warehouse)
    else:
        from jobs.warehouse.bigquery import BigQueryWarehouse
        from rehearsal import batch

        warehouse = BigQueryWarehouse(settings.gcp)
        root = Path(spec["warehouse"]["storage_root"])
        batch.mount_in(spark, batch.staging_mount(root, settings))
    warehouse.ensure_tables()
    landing = LocalLanding(Path(spec["landing"]))
    return pipeline.Context(settings=settings, landing=landing, warehouse=warehouse, spark=spark)


def run(ctx: pipeline.Context, spec: dict) -> pipeline.Outcome:
    mode = spec["mode"]
    if mode == "daily":
        only = dt.date.fromisoformat(spec["day"]) if spec.get("day") else None
        return pipeline.daily(ctx, max_days=spec.get("max_days", 1), only=only)
    if mode == "replay":
        return pipeline.replay(ctx, dt.date.fromisoformat(spec["day"]))
    if mode == "backfill":
        first, last = (dt.date.fromisoformat(spec[k]) for k in ("first", "last"))
        return pipeline.backfill(ctx, first, last)
    raise ValueError(f"unknown mode {mode!r}")


def main(argv: list[str]) -> int:
    from jobs import spark as jobs_spark

    spec = json.loads(argv[0])
    settings = settings_for(spec)
    # As `python -m jobs daily` starts it: a process that runs one day and exits.
    one_day = spec["mode"] == "daily" and spec.get("max_days", 1) == 1
    ctx = context_for(spec, jobs_spark.session(settings, one_day=one_day))
    outcome = run(ctx, spec)
    print(
        json.dumps(
            {
                "committed": [d.isoformat() for d in outcome.committed],
                "failed": list(map(str, outcome.failed)) if outcome.failed else None,
                "skipped": outcome.skipped,
            }
        ),
        flush=True,
    )
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
