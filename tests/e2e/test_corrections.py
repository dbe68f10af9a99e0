"""Re-delivered extracts, end to end on DuckDB (docs/design.md: "Corrections").

The small world is processed; then one day's file is re-delivered with three
corrections (a ticket reopened, one solved, one removed). The status flags exactly
that day; `replay FROM=day` recomputes it and every later day in one commit, and
the warehouse then equals, row for row, a clean run over the corrected files. The
same scenario runs on the BigQuery emulator in tests/cloud/test_bigquery_corrections.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest

from jobs import pipeline, state
from jobs.landing.local import LocalLanding
from tests.conftest import BACKFILL_TO, WORLD_END, WORLD_START, World
from tests.e2e.corrections import Corrections, correct
from tests.e2e.tables import DATA_TABLES, rows, snapshot
from workstation.status import render_status

pytestmark = [pytest.mark.spark, pytest.mark.e2e]
CORRECTED_DAY = dt.date(2025, 1, 10)  # four processed days after it


def context(settings, spark) -> pipeline.Context:
    return pipeline.context_for(settings, lambda: spark)


def load(ctx: pipeline.Context) -> None:
    """The world as it is always loaded: a backfill, then one run per day."""
    assert pipeline.backfill(ctx, WORLD_START, BACKFILL_TO).ok
    assert pipeline.daily(ctx, max_days=31).committed[-1] == WORLD_END


@pytest.fixture(scope="module")
def world(small_world: World, spark, tmp_path_factory) -> dict:
    """The original load (kept as `original`), the corrections, and a clean load of the
    corrected files (`clean`). Each test works on copies."""
    folder = tmp_path_factory.mktemp("corrections")
    landing = folder / "landing"
    shutil.copytree(small_world.landing, landing)
    original = folder / "original.duckdb"
    load(context(small_world.with_warehouse(original, landing), spark))
    fixes = correct(landing, CORRECTED_DAY, WORLD_END)
    clean = folder / "clean.duckdb"
    load(context(small_world.with_warehouse(clean, landing), spark))
    return {"landing": landing, "original": original, "clean": clean, "fixes": fixes}


@pytest.fixture
def processed(world, small_world: World, spark, tmp_path) -> pipeline.Context:
    """A copy of the original load, reading the corrected landing."""
    path = tmp_path / "w.duckdb"
    shutil.copy(world["original"], path)
    return context(small_world.with_warehouse(path, world["landing"]), spark)


def test_the_corrections_change_the_corrected_day_and_every_later_one(world):
    """Otherwise the comparison below would prove nothing."""
    fixes: Corrections = world["fixes"]
    as_of = (
        "SELECT ticket_id, status FROM fact_tickets_history WHERE valid_from <= DATE "
        f"'{CORRECTED_DAY}' AND (valid_to IS NULL OR valid_to >= DATE '{CORRECTED_DAY}')"
    )
    before = dict(rows(world["original"], as_of))
    after = dict(rows(world["clean"], as_of))
    assert before[fixes.reopened] in ("solved", "closed") and after[fixes.reopened] == "open"
    assert before[fixes.solved] != "solved" and after[fixes.solved] == "solved"
    assert fixes.removed in before and fixes.removed not in after
    # The corrected state carries forward: the backlog differs on the day and after it.
    query = "SELECT * FROM backlog_daily ORDER BY business_date"
    pairs = zip(rows(world["original"], query), rows(world["clean"], query), strict=True)
    changed = [a[0] for a, b in pairs if a != b]
    assert changed and changed[0] == CORRECTED_DAY and changed[-1] == WORLD_END


def test_the_history_as_of_each_day_is_that_day_s_backlog_and_its_present_is_the_fact(world):
    """Two independent views agree: the versions valid on D that are open number
    backlog_daily's open_eod(D), and the current versions are fact_tickets."""
    path = world["clean"]
    open_by_history = rows(
        path,
        "SELECT d.business_date, COUNT(h.ticket_id) FROM backlog_daily AS d "
        "LEFT JOIN fact_tickets_history AS h ON h.is_open AND h.valid_from <= d.business_date "
        "AND (h.valid_to IS NULL OR h.valid_to >= d.business_date) "
        "GROUP BY d.business_date ORDER BY 1",
    )
    assert open_by_history == rows(
        path, "SELECT business_date, open_eod FROM backlog_daily ORDER BY 1"
    )
    current = rows(
        path,
        "SELECT ticket_id, status, updated_at, valid_from FROM fact_tickets_history "
        "WHERE valid_to IS NULL ORDER BY 1",
    )
    fact = rows(
        path,
        "SELECT ticket_id, status, updated_at, last_business_date FROM fact_tickets ORDER BY 1",
    )
    assert current == fact and len(fact) > 100


def test_status_flags_exactly_the_corrected_day(processed):
    table = processed.warehouse.state()
    changed = state.changed_extracts(table, processed.landing.identities())
    assert [c.day for c in changed] == [CORRECTED_DAY]
    assert changed[0].landed is not None and changed[0].landed.size < changed[0].recorded.size
    text = render_status(
        processed.settings, processed.warehouse, color=False, landing=processed.landing
    )
    assert f"make replay FROM={CORRECTED_DAY}" in text and f"  {CORRECTED_DAY}: processed" in text


def test_replay_from_the_corrected_day_equals_a_clean_run_of_the_corrected_files(world, processed):
    outcome = pipeline.replay(processed, CORRECTED_DAY)
    assert outcome.ok and outcome.committed == state.days_between(CORRECTED_DAY, WORLD_END)
    path = processed.warehouse.path
    clean = snapshot(world["clean"])
    replayed = snapshot(path)
    for name in DATA_TABLES:
        assert replayed[name] == clean[name], name
    # The state records the corrected files, so nothing is flagged any more.
    assert state.changed_extracts(processed.warehouse.state(), processed.landing.identities()) == []
    modes = rows(path, "SELECT DISTINCT mode FROM ingestion_state WHERE business_date = "
                 f"DATE '{CORRECTED_DAY}' AND status = 'succeeded' ORDER BY 1")  # fmt: skip
    assert modes == [("daily",), ("replay",)]


def test_a_replay_reads_its_days_and_the_state_before_them_not_the_history(world, processed):
    """rows_read <= the extracts + the state as of the day before + the keyed history of
    the tickets the days touch (old and new versions alike)."""
    outcome = pipeline.replay(processed, CORRECTED_DAY)
    figures = {f.business_date: f for f in outcome.day_figures}
    [[open_before]] = rows(
        world["original"],
        f"SELECT open_eod FROM backlog_daily WHERE business_date = DATE '{CORRECTED_DAY}' - 1",
    )
    rows_in = sum(f.rows_in for f in figures.values())
    touched = sum(f.rows_upserted for f in figures.values())
    read = sum(f.rows_read for f in figures.values())
    assert rows_in < read <= rows_in + open_before + 2 * touched


def test_replaying_the_last_day_alone_reads_at_most_twice_its_daily_run(world, processed):
    [[daily_read]] = rows(
        world["original"],
        f"SELECT rows_read FROM ingestion_state WHERE business_date = DATE '{WORLD_END}'",
    )
    outcome = pipeline.replay(processed, WORLD_END, only=True)
    assert outcome.committed == [WORLD_END]
    assert outcome.day_figures[0].rows_read <= 2 * daily_read


def test_replaying_one_earlier_day_alone_is_refused_and_names_the_fix(processed):
    with pytest.raises(pipeline.RunError) as refused:
        pipeline.replay(processed, CORRECTED_DAY, only=True)
    message = str(refused.value)
    assert "were computed from its state" in message
    assert f"make replay FROM={CORRECTED_DAY}" in message


@pytest.mark.parametrize(
    "first, problem",
    [
        (WORLD_START - dt.timedelta(days=1), f"the first processed day is {WORLD_START}"),
        (WORLD_END + dt.timedelta(days=1), f"not been processed yet (last processed: {WORLD_END})"),
    ],
)
def test_a_range_outside_the_processed_days_is_refused(processed, first, problem):
    before = snapshot(processed.warehouse.path)
    with pytest.raises(pipeline.RunError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        pipeline.replay(processed, first)
    assert snapshot(processed.warehouse.path) == before


def test_nothing_processed_means_nothing_to_replay(small_world: World, spark, tmp_path):
    ctx = context(small_world.with_warehouse(tmp_path / "empty.duckdb"), spark)
    with pytest.raises(pipeline.RunError, match="nothing has been processed yet"):
        pipeline.replay(ctx, WORLD_START)


def test_an_unreadable_corrected_file_fails_the_replay_and_changes_nothing(
    world, small_world: World, spark, tmp_path
):
    landing = tmp_path / "landing"
    shutil.copytree(world["landing"], landing)
    damaged = WORLD_END - dt.timedelta(days=1)
    path = LocalLanding(landing).path(damaged)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\xe9", 1))  # not UTF-8 on line 2
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(world["original"], warehouse)
    ctx = context(small_world.with_warehouse(warehouse, landing), spark)
    before = rows(warehouse, "SELECT * FROM ingestion_state ORDER BY ALL")
    tables = snapshot(warehouse)

    outcome = pipeline.replay(ctx, CORRECTED_DAY)
    assert outcome.failed and outcome.failed[0] == damaged
    assert str(path) in outcome.failed[1] and "not valid UTF-8" in outcome.failed[1]
    assert "nothing was replayed" in outcome.failed[1]
    assert snapshot(warehouse) == tables
    assert rows(warehouse, "SELECT * FROM ingestion_state ORDER BY ALL") == before


def test_a_missing_file_in_the_range_is_refused_before_anything_runs(processed, tmp_path):
    gone = CORRECTED_DAY + dt.timedelta(days=2)
    copy = tmp_path / "landing-without-a-day"
    shutil.copytree(processed.landing.root, copy)
    shutil.rmtree(copy / "tickets" / f"dt={gone}")
    ctx = dataclasses.replace(processed, landing=LocalLanding(copy))
    with pytest.raises(pipeline.RunError, match=f"tickets_{gone}.csv does not exist"):
        pipeline.replay(ctx, CORRECTED_DAY)
