"""The pipeline's KPI tables in a DuckDB warehouse against the oracle's, value by value.

Used by the end-to-end test on the small world and by `make bench` on the generated
year at each SCALE, so both hold the pipeline to the same standard: the same rows, in
the oracle's columns, floats equal to 1e-9.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pandas as pd

# The KPI tables the oracle recomputes, by their key.
KPI_KEYS = {
    "features_daily": ["business_date"],
    "backlog_daily": ["business_date"],
    "daily_ops_metrics": ["business_date"],
    "daily_agent_load": ["business_date", "agent_id"],
    "channel_daily": ["business_date", "channel"],
}


def differences(warehouse: Path, expected: dict[str, pd.DataFrame]) -> list[str]:
    """Every way the warehouse's KPI tables differ from `expected` (the oracle's
    `recompute`), one line each; empty when they agree."""
    found = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for name, key in KPI_KEYS.items():
            frame = expected[name]
            columns = list(frame.columns)
            got = con.execute(
                f"SELECT {', '.join(columns)} FROM {name} ORDER BY {', '.join(key)}"
            ).fetchall()
            want = [tuple(r) for r in frame.sort_values(key).itertuples(index=False)]
            if len(got) != len(want):
                found.append(f"{name}: {len(got)} rows, the oracle {len(want)}")
                continue
            for g, w in zip(got, want, strict=True):
                for column, a, b in zip(columns, g, w, strict=True):
                    if not same(a, b):
                        found.append(f"{name}.{column} on {g[0]}: pipeline {a!r}, oracle {b!r}")
    return found


def same(a, b) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(b, dt.datetime) and not isinstance(a, dt.datetime):
        b = b.date()
    return a == b or str(a) == str(b)


def _missing(value) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value) in {"NaT", "<NA>"}
    )
