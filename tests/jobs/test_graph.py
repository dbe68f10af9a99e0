"""The transform graph builds every table schemas/tables.json declares, with its columns."""

from __future__ import annotations

from jobs import schemas


def test_the_graph_builds_every_table_a_run_writes(march):
    written = {t.name for t in schemas.tables().values() if t.layer != "state"}
    assert set(march.tables) == written  # ingestion_state is the pipeline's record of runs
    for name, rows in march.tables.items():
        assert rows, name
        assert all(list(row) == schemas.table(name).column_names for row in rows), name
