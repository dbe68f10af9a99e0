"""Backfill == daily at unit level (docs/design.md: "Backfill equals the daily runs").

A run over days 1..3 must give the same KPI rows as three one-day runs, each
starting from the state the runs before it left (fact_tickets upserted by
updated_at; a daily run reads the open tickets and the tickets of its extract).
"""

from __future__ import annotations

import math

import pytest

from jobs import schemas

from .conftest import run_chained, upsert_state
from .scenarios import (
    APRIL_DAYS,
    APRIL_PRIOR,
    APRIL_RAW,
    MARCH_DAYS,
    MARCH_PRIOR,
    MARCH_RAW,
)

pytestmark = pytest.mark.spark

SCENARIOS = {
    "march": (MARCH_RAW, MARCH_DAYS, MARCH_PRIOR),
    "april": (APRIL_RAW, APRIL_DAYS, APRIL_PRIOR),
}
# Every KPI table of schemas/tables.json: a new one is checked here too.
TABLES = [t.name for t in schemas.tables().values() if t.layer == "metrics"]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def both(request, spark):
    raw_rows, days, prior = SCENARIOS[request.param]
    ranged = request.getfixturevalue(request.param)  # the 3-day run (conftest)
    daily, state = run_chained(spark, raw_rows, days, prior)
    return ranged, daily, state, prior


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def assert_same_rows(ranged: list[dict], daily: list[dict]):
    assert len(ranged) == len(daily), (ranged, daily)
    for r, d in zip(ranged, daily, strict=True):
        assert r.keys() == d.keys()
        diff = {k: (r[k], d[k]) for k in r if not same(r[k], d[k])}
        assert not diff, (r["business_date"], diff)


@pytest.mark.parametrize("name", TABLES)
def test_range_gives_the_rows_of_the_daily_runs(both, name):
    ranged, daily, _, _ = both
    chained = [row for run in daily for row in run[name]]
    assert chained, name
    assert_same_rows(ranged[name], chained)


def test_range_leaves_the_state_of_the_daily_runs(both):
    ranged, _, state, prior = both

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "run_id"} for r in rows]

    assert strip(upsert_state(prior, ranged["fact_tickets"])) == strip(state)
