"""Reading warehouse tables for comparison: run-specific columns dropped, rows sorted."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jobs import schemas

# Columns that differ between two correct runs of the same data.
RUN_COLUMNS = {"run_id", "ingested_at", "started_at", "finished_at", "batch_id", "source_uri"}
DATA_TABLES = [name for name in schemas.tables() if name != "ingestion_state"]


def snapshot(path: Path, tables: list[str] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Every row of each table, without run-specific columns, in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        result = {}
        for name in tables:
            columns = [c for c in schemas.table(name).column_names if c not in RUN_COLUMNS]
            listed = ", ".join(columns)
            rows = con.execute(f"SELECT {listed} FROM {name} ORDER BY ALL").fetchall()
            result[name] = [tuple(_rounded(v) for v in row) for row in rows]
        return result


def warehouse_rows(warehouse, name: str) -> list[tuple]:
    """The rows of one table through the Warehouse interface (DuckDB or BigQuery),
    without run-specific columns, in a stable order."""
    columns = [c for c in schemas.table(name).column_names if c not in RUN_COLUMNS]
    rows = warehouse.query(f"SELECT {', '.join(columns)} FROM {name}").to_pylist()
    return sorted((tuple(_rounded(row[c]) for c in columns) for row in rows), key=repr)


def _rounded(value):
    # Averages summed in a different order differ in the last bits.
    if isinstance(value, float):
        return round(value, 9)
    return tuple(value) if isinstance(value, list) else value


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
