"""The comparison of a warehouse's KPI tables with the oracle's: it must see a wrong
value, a missing row and a null where the oracle has a number, and pass equal tables."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tests.oracle.compare import KPI_KEYS, differences

DAY = dt.date(2025, 1, 1)


def _write(path, tables: dict[str, pd.DataFrame]) -> None:
    with duckdb.connect(str(path)) as con:
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")


def _oracle() -> dict[str, pd.DataFrame]:
    one_day = pd.DataFrame({"business_date": [DAY, DAY + dt.timedelta(days=1)], "v": [1.5, 2.0]})
    tables = {name: one_day for name in ("features_daily", "backlog_daily", "daily_ops_metrics")}
    tables["daily_agent_load"] = pd.DataFrame(
        {"business_date": [DAY], "agent_id": ["a1"], "open_assigned": [3]}
    )
    tables["channel_daily"] = pd.DataFrame(
        {"business_date": [DAY], "channel": ["email"], "tickets_created": [7]}
    )
    assert set(tables) == set(KPI_KEYS)
    return tables


def test_equal_tables_have_no_differences(tmp_path):
    oracle = _oracle()
    _write(tmp_path / "w.duckdb", oracle)
    assert differences(tmp_path / "w.duckdb", oracle) == []


def test_a_wrong_value_a_missing_row_and_a_null_are_each_named(tmp_path):
    oracle = _oracle()
    pipeline = dict(oracle)
    pipeline["features_daily"] = oracle["features_daily"].assign(v=[1.5, 2.0 + 1e-6])
    pipeline["backlog_daily"] = oracle["backlog_daily"].iloc[:1]
    pipeline["daily_ops_metrics"] = oracle["daily_ops_metrics"].assign(v=[None, 2.0])
    _write(tmp_path / "w.duckdb", pipeline)
    assert differences(tmp_path / "w.duckdb", oracle) == [
        "features_daily.v on 2025-01-02: pipeline 2.000001, oracle 2.0",
        "backlog_daily: 1 rows, the oracle 2",
        "daily_ops_metrics.v on 2025-01-01: pipeline None, oracle 1.5",
    ]
