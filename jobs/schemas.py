"""Table schemas, read from `schemas/*.json` (BigQuery's JSON schema format).

Those files are the single source of truth; everything here derives from them:
pyarrow schemas for the hand-off between Spark and the warehouse, DuckDB DDL,
and the column lists the jobs select. Spark types are derived in
`jobs/spark.py`; this module imports neither pyspark nor pyarrow at import time,
so infra and the trigger function can use it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

# The 16 columns of the source extract, in contract order (docs/data-contract.md).
SOURCE_COLUMNS = (
    "ticket_id",
    "created_at",
    "updated_at",
    "status",
    "priority",
    "category",
    "channel",
    "team",
    "agent_id",
    "customer_id",
    "customer_tier",
    "subject",
    "first_response_at",
    "solved_at",
    "reopen_count",
    "csat_score",
)

_ARROW_TYPES = {
    "STRING": "string",
    "INT64": "int64",
    "INTEGER": "int64",
    "FLOAT64": "float64",
    "FLOAT": "float64",
    "BOOL": "bool_",
    "BOOLEAN": "bool_",
    "DATE": "date32",
}

_DUCKDB_TYPES = {
    "STRING": "VARCHAR",
    "INT64": "BIGINT",
    "INTEGER": "BIGINT",
    "FLOAT64": "DOUBLE",
    "FLOAT": "DOUBLE",
    "BOOL": "BOOLEAN",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMPTZ",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # BigQuery type name
    mode: str  # NULLABLE, REQUIRED or REPEATED
    description: str

    @property
    def repeated(self) -> bool:
        return self.mode == "REPEATED"


@dataclass(frozen=True)
class Table:
    name: str
    layer: str
    description: str
    columns: tuple[Column, ...]
    partition_field: str
    clustering: tuple[str, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def bigquery_fields(self) -> list[dict]:
        """The schema exactly as stored in schemas/<table>.json."""
        return json.loads((SCHEMA_DIR / f"{self.name}.json").read_text(encoding="utf-8"))

    def arrow_schema(self):
        import pyarrow as pa  # imported here so infra and the function need no pyarrow

        return pa.schema([_arrow_field(pa, c) for c in self.columns])

    def duckdb_ddl(self) -> str:
        cols = ",\n  ".join(f"{c.name} {duckdb_type(c)}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"


def _arrow_field(pa, column: Column):
    if column.type == "TIMESTAMP":
        base = pa.timestamp("us", tz="UTC")
    else:
        base = getattr(pa, _ARROW_TYPES[column.type])()
    if column.repeated:
        return pa.field(column.name, pa.list_(base), nullable=True)
    return pa.field(column.name, base, nullable=column.mode != "REQUIRED")


def duckdb_type(column: Column) -> str:
    base = _DUCKDB_TYPES[column.type]
    if column.repeated:
        return f"{base}[]"
    return base + (" NOT NULL" if column.mode == "REQUIRED" else "")


# How a run writes each layer: raw and metrics rows are replaced day by day (a commit
# deletes the days it writes, then inserts), fact rows are merged on the table's key,
# and the state table records each attempt.
DAY_LAYERS = ("raw", "metrics")


def day_tables() -> list[str]:
    """The tables a commit replaces day by day, in schemas/tables.json's order."""
    return [t.name for t in tables().values() if t.layer in DAY_LAYERS]


@functools.cache
def tables() -> dict[str, Table]:
    """All tables, keyed by name, in the order of schemas/tables.json."""
    layout = json.loads((SCHEMA_DIR / "tables.json").read_text(encoding="utf-8"))
    result = {}
    for name, spec in layout.items():
        fields = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        result[name] = Table(
            name=name,
            layer=spec["layer"],
            description=spec["description"],
            columns=tuple(
                Column(f["name"], f["type"], f.get("mode", "NULLABLE"), f["description"])
                for f in fields
            ),
            partition_field=spec["time_partitioning"]["field"],
            clustering=tuple(spec.get("clustering") or ()),
            key=tuple(spec["key"]),
        )
    return result


def table(name: str) -> Table:
    return tables()[name]
