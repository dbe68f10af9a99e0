"""End to end on a small generated world: the invariants of docs/design.md.

Three warehouses are built from the same two weeks of extracts: one day per
run, a backfill followed by daily runs, and one backfill of the whole range.
They must hold the same tables, and those tables must agree with an
independent recomputation in plain SQL (tests/oracle).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jobs import graph, pipeline, resources, schemas
from tests.conftest import BACKFILL_TO, WORLD_END, WORLD_START, World
from tests.e2e.tables import DATA_TABLES, rows, snapshot

pytestmark = [pytest.mark.spark, pytest.mark.e2e]
DAYS = (WORLD_END - WORLD_START).days + 1


def _context(settings, spark) -> pipeline.Context:
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return pipeline.Context(
        settings=settings, landing=resources.landing_for(settings), warehouse=warehouse, spark=spark
    )


@pytest.fixture(scope="module")
def built(small_world: World, spark, tmp_path_factory) -> dict[str, Path]:
    """The same range loaded three ways."""
    folder = tmp_path_factory.mktemp("warehouses")
    paths = {name: folder / f"{name}.duckdb" for name in ("daily", "mixed", "backfill")}

    daily = _context(small_world.with_warehouse(paths["daily"]), spark)
    outcome = pipeline.daily(daily, max_days=DAYS + 5)
    assert outcome.ok and len(outcome.committed) == DAYS and outcome.skipped == "up to date"

    mixed = _context(small_world.with_warehouse(paths["mixed"]), spark)
    assert pipeline.backfill(mixed, WORLD_START, BACKFILL_TO).ok
    paths["after_backfill"] = folder / "after_backfill.duckdb"
    shutil.copy(paths["mixed"], paths["after_backfill"])
    assert pipeline.daily(mixed, max_days=DAYS).ok

    whole = _context(small_world.with_warehouse(paths["backfill"]), spark)
    assert pipeline.backfill(whole, WORLD_START, WORLD_END).committed[-1] == WORLD_END
    return paths


def test_backfill_gives_exactly_the_tables_of_daily_runs(built):
    one_by_one = snapshot(built["daily"])
    assert snapshot(built["mixed"]) == one_by_one
    assert snapshot(built["backfill"]) == one_by_one


def test_runs_leave_nothing_cached_in_a_long_lived_session(built, spark):
    # `built` ran a backfill (a large run, which caches frames it reads twice) and
    # daily runs in this session: a session that runs for weeks must not keep them.
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()


def test_a_run_that_fails_midway_leaves_nothing_cached_in_the_session(
    small_world: World, spark, tmp_path, monkeypatch
):
    def broken(*args):
        raise RuntimeError("daily_ops_metrics broke")

    # A backfill of the whole world is a large run: it has cached two tables by the
    # time daily_ops_metrics is built from them.
    monkeypatch.setattr(graph, "daily_ops_metrics", broken)
    ctx = _context(small_world.with_warehouse(tmp_path / "w.duckdb"), spark)
    outcome = pipeline.backfill(ctx, WORLD_START, WORLD_END)
    assert outcome.failed and "daily_ops_metrics broke" in outcome.failed[1]
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()
    # ... and no staging: its layers were removed with the failure (jobs/staging.py)
    assert list((tmp_path / "w.duckdb.staging").iterdir()) == []


def test_runs_leave_no_staging_behind(built):
    """Every run wrote its layers beside the warehouse and removed them when it ended."""
    for name in ("daily", "mixed", "backfill"):
        folder = Path(f"{built[name]}.staging")
        assert folder.is_dir(), folder  # the runs staged their layers there
        assert list(folder.iterdir()) == [], name


def test_the_warehouse_holds_its_tables_and_nothing_of_the_runs(built):
    """A commit reads the run's Parquet through views of its own connection: none is left
    in the file, pointing at staging that is gone."""
    for name in ("daily", "mixed", "backfill"):
        found = rows(built[name], "SELECT table_name, table_type FROM information_schema.tables")
        assert sorted(found) == sorted((t, "BASE TABLE") for t in schemas.tables()), name


def test_no_table_passes_through_the_driver(small_world: World, spark, tmp_path, monkeypatch):
    """Tables go from the executors to the warehouse and back as files: a run that may
    not turn a frame into Arrow or a frame of driver rows still commits, replay too."""
    from pyspark.sql import DataFrame, SparkSession

    def refused(*args, **kwargs):
        raise AssertionError("a table passed through the driver")

    ctx = _context(small_world.with_warehouse(tmp_path / "w.duckdb"), spark)
    monkeypatch.setattr(DataFrame, "toArrow", refused)
    monkeypatch.setattr(DataFrame, "toPandas", refused)
    monkeypatch.setattr(SparkSession, "createDataFrame", refused)
    assert pipeline.backfill(ctx, WORLD_START, WORLD_START + dt.timedelta(days=1)).ok
    assert pipeline.daily(ctx).ok
    assert pipeline.replay(ctx, WORLD_START + dt.timedelta(days=1)).ok


def test_an_unwritable_staging_fails_the_run_in_one_line_and_commits_nothing(
    small_world: World, spark, tmp_path
):
    warehouse = tmp_path / "w.duckdb"
    Path(f"{warehouse}.staging").write_text("a file where the staging folder should be")
    ctx = _context(small_world.with_warehouse(warehouse), spark)
    outcome = pipeline.backfill(ctx, WORLD_START, WORLD_START + dt.timedelta(days=1))
    day, error = outcome.failed
    assert day == WORLD_START and "\n" not in error
    assert error.startswith(f"StagingError: cannot write the run's staging {warehouse.as_uri()}")
    assert rows(warehouse, "SELECT COUNT(*) FROM fact_tickets") == [(0,)]
    assert {s for (s,) in rows(warehouse, "SELECT status FROM ingestion_state")} == {"failed"}


def test_every_day_succeeded_once(built):
    for name in ("daily", "mixed", "backfill"):
        state = rows(
            built[name], "SELECT business_date, status, attempt FROM ingestion_state ORDER BY 1"
        )
        assert [r[0] for r in state] == [WORLD_START + dt.timedelta(days=i) for i in range(DAYS)]
        assert {(r[1], r[2]) for r in state} == {("succeeded", 1)}


def test_one_fact_row_per_ticket(built):
    ((tickets, distinct),) = rows(
        built["daily"], "SELECT COUNT(*), COUNT(DISTINCT ticket_id) FROM fact_tickets"
    )
    assert tickets == distinct > 0


def test_rows_in_is_accepted_plus_rejected(built):
    per_day = rows(
        built["daily"],
        """
        SELECT s.business_date, s.rows_in, s.rows_rejected,
               (SELECT COUNT(*) FROM tickets_raw r WHERE r.business_date = s.business_date),
               (SELECT COUNT(*) FROM tickets_rejected q WHERE q.business_date = s.business_date),
               o.rows_ingested, o.rows_rejected
        FROM ingestion_state s JOIN daily_ops_metrics o USING (business_date) ORDER BY 1
        """,
    )
    for day, rows_in, rejected, raw, quarantined, ingested, ops_rejected in per_day:
        assert rows_in == raw == ingested, day
        assert rejected == quarantined == ops_rejected, day
    assert sum(r[2] for r in per_day) > 0, "the world has defective rows"


def test_backlog_identity_and_reconciliation_with_facts(built):
    backlog = rows(
        built["daily"],
        "SELECT business_date, open_eod, entered_backlog, left_backlog, "
        "open_urgent + open_high + open_normal + open_low, "
        "age_0_1d + age_1_3d + age_3_7d + age_7_14d + age_14_30d + age_30d_plus "
        "FROM backlog_daily ORDER BY 1",
    )
    previous = 0
    for day, open_eod, entered, left, by_priority, by_age in backlog:
        assert open_eod == previous + entered - left, day
        assert open_eod == by_priority == by_age, day
        previous = open_eod
    ((open_now,),) = rows(built["daily"], "SELECT COUNT(*) FROM fact_tickets WHERE is_open")
    assert open_now == backlog[-1][1]
    ((agents_open,),) = rows(
        built["daily"],
        "SELECT SUM(open_assigned_eod) FROM daily_agent_load "
        f"WHERE business_date = DATE '{WORLD_END}'",
    )
    ((assigned_open,),) = rows(
        built["daily"], "SELECT COUNT(*) FROM fact_tickets WHERE is_open AND agent_id IS NOT NULL"
    )
    assert agents_open == assigned_open


def test_daily_reads_only_the_day_and_the_open_backlog(built):
    per_day = rows(
        built["daily"],
        "SELECT s.business_date, s.rows_in, s.rows_read, s.rows_upserted, "
        "COALESCE(LAG(b.open_eod) OVER (ORDER BY s.business_date), 0) "
        "FROM ingestion_state s JOIN backlog_daily b USING (business_date) ORDER BY 1",
    )
    for day, rows_in, rows_read, upserted, open_before in per_day:
        # The extract, plus fact rows of open tickets and of the tickets the extract touches.
        assert rows_in <= rows_read <= rows_in + open_before + upserted, day


def test_kpis_match_an_independent_recomputation_from_the_csvs(built, small_world: World):
    from tests.oracle import recompute
    from tests.oracle.compare import differences

    expected = recompute(small_world.landing, WORLD_START, WORLD_END, small_world.settings)
    found = differences(built["daily"], expected)
    assert not found, "\n".join(found[:20])


def test_defective_rows_are_quarantined_with_reasons(built, small_world: World):
    manifest = json.loads((small_world.landing / "tickets" / "_manifest.json").read_text())
    files = manifest["files"]
    defective = (
        sum(f["defective_rows"] for f in files.values())
        if isinstance(files, dict)
        else sum(f["defective_rows"] for f in files)
    )
    ((rejected,),) = rows(built["daily"], "SELECT COUNT(*) FROM tickets_rejected")
    assert rejected == defective > 0
    reasons = {
        r[0] for r in rows(built["daily"], "SELECT DISTINCT UNNEST(reasons) FROM tickets_rejected")
    }
    assert {"malformed_row", "outside_day", "unknown_status", "missing_ticket_id"} <= reasons
    ((without_reason,),) = rows(
        built["daily"], "SELECT COUNT(*) FROM tickets_rejected WHERE len(reasons) = 0"
    )
    assert without_reason == 0


def test_rerun_when_up_to_date_changes_nothing(built, small_world: World, spark, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(built["daily"], path)
    everything = [*DATA_TABLES, "ingestion_state"]
    before = snapshot(path, everything)
    ctx = _context(small_world.with_warehouse(path), spark)
    assert pipeline.daily(ctx, max_days=3).skipped == "up to date"
    assert pipeline.backfill(ctx, WORLD_START, WORLD_END).skipped
    assert snapshot(path, everything) == before


@pytest.mark.parametrize("command", [["daily"], ["backfill"]])
def test_a_command_with_nothing_to_do_starts_no_spark(built, small_world: World, tmp_path, command):
    path = tmp_path / "copy.duckdb"
    shutil.copy(built["daily"], path)
    # With SPARK_HOME pointing nowhere, any attempt to start Spark fails the command.
    done = subprocess.run(
        [sys.executable, "-m", "jobs", *command],
        env=small_world.subprocess_env(path, SPARK_HOME=str(tmp_path / "no-spark")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "up to date" in done.stdout or "already loaded" in done.stdout, done.stdout


def test_a_replay_of_unchanged_files_changes_no_row(built, small_world: World, spark, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(built["daily"], path)
    before = snapshot(path)
    day = dt.date(2025, 1, 10)
    outcome = pipeline.replay(_context(small_world.with_warehouse(path), spark), day)
    assert outcome.committed == [day + dt.timedelta(days=i) for i in range(5)]  # ..Jan 14
    assert snapshot(path) == before  # same input, same rows, nothing doubled
    state = rows(
        path,
        f"SELECT mode, attempt, status FROM ingestion_state WHERE business_date = DATE '{day}'",
    )
    assert sorted(state) == [("daily", 1, "succeeded"), ("replay", 2, "succeeded")]


def test_missing_extract_is_waited_for_not_skipped(
    small_world: World, landing_copy, spark, tmp_path
):
    missing = dt.date(2025, 1, 5)
    shutil.rmtree(landing_copy / "tickets" / f"dt={missing}")
    settings = small_world.with_warehouse(tmp_path / "w.duckdb", landing=landing_copy)
    outcome = pipeline.daily(_context(settings, spark), max_days=DAYS)
    assert outcome.committed[-1] == missing - dt.timedelta(days=1)
    assert outcome.waiting_for == missing and outcome.ok


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda p: p.write_bytes(
                p.read_bytes().replace("é".encode(), b"\xe9", 1) + b"caf\xe9\n"
            ),
            "not valid UTF-8",
        ),
        (
            lambda p: p.write_text(p.read_text().replace("priority,", "", 1)),
            "header lacks column(s) priority",
        ),
        (lambda p: p.write_bytes(b""), "file is empty"),
    ],
    ids=["latin-1 bytes", "header missing a column", "zero bytes"],
)
def test_unreadable_file_fails_its_day_and_changes_nothing(
    small_world: World, landing_copy, spark, tmp_path, damage, message
):
    bad_day = dt.date(2025, 1, 3)
    bad_file = landing_copy / "tickets" / f"dt={bad_day}" / f"tickets_{bad_day}.csv"
    damage(bad_file)
    path = tmp_path / "w.duckdb"
    ctx = _context(small_world.with_warehouse(path, landing=landing_copy), spark)

    outcome = pipeline.backfill(ctx, WORLD_START, BACKFILL_TO)
    assert outcome.committed == [WORLD_START, WORLD_START + dt.timedelta(days=1)]
    failed_day, error = outcome.failed
    assert failed_day == bad_day and str(bad_file) in error and message in error
    before = snapshot(path)
    # The failed day blocks the days after it, and says why each time.
    again = pipeline.daily(ctx, max_days=3)
    assert again.failed[0] == bad_day and not again.committed
    assert snapshot(path) == before
    state = rows(
        path, f"SELECT status, error FROM ingestion_state WHERE business_date = DATE '{bad_day}'"
    )
    assert [s for s, _ in state] == ["failed", "failed"] and message in state[0][1]


def test_two_concurrent_runs_for_one_day_commit_once(built, small_world: World, spark, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(built["after_backfill"], path)
    day = BACKFILL_TO + dt.timedelta(days=1)
    contexts = [_context(small_world.with_warehouse(path), spark) for _ in range(2)]
    outcomes = []
    threads = [
        threading.Thread(target=lambda c=c: outcomes.append(pipeline.daily(c))) for c in contexts
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(o.committed) for o in outcomes) == [0, 1]
    assert all(o.ok for o in outcomes)
    state = rows(path, f"SELECT status FROM ingestion_state WHERE business_date = DATE '{day}'")
    assert state == [("succeeded",)]
    count = f"SELECT COUNT(*) FROM tickets_raw WHERE business_date = DATE '{day}'"
    assert rows(path, count) == rows(built["daily"], count)


@pytest.mark.parametrize("kill_at", ["staging.read:tables/fact_tickets", "commit:7"])
def test_a_run_killed_mid_commit_leaves_the_previous_state(
    built, small_world: World, spark, tmp_path, kill_at
):
    path = tmp_path / "w.duckdb"
    shutil.copy(built["after_backfill"], path)
    before = snapshot(path)
    killed = subprocess.run(
        [sys.executable, "-m", "jobs", "daily"],
        env=small_world.subprocess_env(path, TICKETS_KILL_AT=kill_at),
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert snapshot(path) == before
    day = BACKFILL_TO + dt.timedelta(days=1)
    state = rows(path, f"SELECT status FROM ingestion_state WHERE business_date = DATE '{day}'")
    assert state == [("running",)]  # the abandoned attempt is visible, and nothing else

    # The next run completes the day as if nothing had happened.
    assert pipeline.daily(_context(small_world.with_warehouse(path), spark)).committed == [day]
    kpis = f"SELECT * FROM daily_ops_metrics WHERE business_date = DATE '{day}'"
    assert rows(path, kpis) == rows(built["daily"], kpis)
