"""Convergence (docs/design.md), as a property: any sequence of daily runs, reruns, replays,
backfills and interrupted runs over a few days, followed by the runs that finish
what is pending, ends in exactly the tables of one clean pass.

Interrupted runs fail a commit statement inside the warehouse (`TICKETS_FAIL_AT`),
in this process: the kill sweep (test_crash.py) covers real kills, and staying
in-process keeps each example to seconds. DuckDB only, to fit in `make test`; the
BigQuery commit's atomicity is tested statement by statement in tests/cloud.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jobs import pipeline
from jobs.warehouse.statements import commit_statements
from tests.conftest import WORLD_START, World
from tests.reliability import harness

pytestmark = [pytest.mark.spark, pytest.mark.e2e]
LAST = WORLD_START + dt.timedelta(days=3)  # the set of days: four
STATEMENTS = len(commit_statements(str, replaces=False))

operations = st.one_of(
    st.tuples(st.just("daily"), st.integers(1, 2)),
    st.tuples(st.just("rerun"), st.just(0)),  # the same daily run again, right after
    st.tuples(st.just("replay"), st.integers(0, 3)),
    st.tuples(st.just("backfill"), st.integers(1, 3)),
    st.tuples(st.just("interrupted_daily"), st.integers(0, STATEMENTS - 1)),
    st.tuples(st.just("interrupted_replay"), st.integers(0, STATEMENTS - 2)),
)


@pytest.fixture(scope="module")
def clean(small_world: World, spark, tmp_path_factory) -> dict[str, str]:
    """One clean pass: each day once, in order."""
    path = tmp_path_factory.mktemp("clean") / "c.duckdb"
    spec = harness.duckdb_spec(small_world.env_dir, "e2e", small_world.landing, path)
    return harness.Reference(harness.Target.build("clean", spec, spark).ctx).at(LAST)


def _next(ctx) -> dt.date:
    done = harness.last_succeeded(ctx.warehouse)
    return WORLD_START if done is None else done + harness.ONE_DAY


def _apply(ctx: pipeline.Context, op: str, arg: int, last_daily: list) -> None:
    nxt = _next(ctx)
    if op in ("daily", "interrupted_daily"):
        if nxt > LAST:
            return
        if op == "interrupted_daily":
            os.environ["TICKETS_FAIL_AT"] = f"commit:{arg}"
        try:
            days = min(arg if op == "daily" else 1, (LAST - nxt).days + 1)
            outcome = pipeline.daily(ctx, max_days=days)
        finally:
            os.environ.pop("TICKETS_FAIL_AT", None)
        assert outcome.ok == (op == "daily"), outcome
        last_daily[:] = [days]
    elif op == "rerun":
        if nxt <= LAST:  # the last daily run again (or one day when there was none)
            pipeline.daily(
                ctx, max_days=min(last_daily[0] if last_daily else 1, (LAST - nxt).days + 1)
            )
        else:  # everything is done: runs for done days change nothing
            assert pipeline.backfill(ctx, WORLD_START, LAST).skipped
            assert pipeline.daily(ctx, max_days=1, only=LAST).skipped
    elif op in ("replay", "interrupted_replay"):
        done = [d for d in (WORLD_START + dt.timedelta(days=i) for i in range(4)) if d < nxt]
        if not done:
            return
        day = done[arg % len(done)]
        if op == "interrupted_replay":
            os.environ["TICKETS_FAIL_AT"] = f"commit:{arg}"
        try:
            outcome = pipeline.replay(ctx, day)
        finally:
            os.environ.pop("TICKETS_FAIL_AT", None)
        assert outcome.ok == (op == "replay"), outcome
    elif op == "backfill" and nxt <= LAST:
        last = min(nxt + dt.timedelta(days=arg - 1), LAST)
        assert pipeline.backfill(ctx, nxt, last).committed[-1] == last


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each step is a Spark run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=4))
def test_any_sequence_of_runs_ends_in_the_tables_of_one_clean_pass(
    small_world: World, spark, clean, steps
):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.duckdb"
        spec = harness.duckdb_spec(small_world.env_dir, "e2e", small_world.landing, path)
        ctx = harness.Target.build("duckdb", spec, spark).ctx
        last_daily: list[int] = []
        for op, arg in steps:
            _apply(ctx, op, arg, last_daily)
        # Then the runs that finish what is pending, as the scheduler would.
        nxt = _next(ctx)
        if nxt <= LAST:
            outcome = pipeline.daily(ctx, max_days=(LAST - nxt).days + 1)
            assert outcome.ok and outcome.committed[-1] == LAST, outcome
        assert harness.state_problems(ctx.warehouse, WORLD_START, LAST) == []
        assert harness.checksums(ctx.warehouse) == clean
