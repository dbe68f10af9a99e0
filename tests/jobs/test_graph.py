"""The transform graph builds every table schemas/tables.json declares, with its columns."""

from __future__ import annotations

from jobs import schemas


def test_the_graph_builds_every_table_a_run_writes(march):
    written = {t.name for t in schemas.tables().values() if t.layer != "state"}
    assert set(march.tables) == written  # ingestion_state is the pipeline's record of runs
    for name, rows in march.tables.items():
        assert rows, name
        assert all(list(row) == schemas.table(name).column_names for row in rows), name


def _build(spark, records, prior_rows, replaced=None):
    """graph.build over hand-made records, noting what it asks for and holds."""
    import datetime as dt

    from jobs import graph
    from tests.jobs.conftest import SETTINGS, fact_frame, raw_frame

    asked, held = [], []
    prior = fact_frame(spark, prior_rows)

    def read_prior(touched):
        asked.extend(sorted(r.ticket_id for r in touched.collect()))
        return graph.Prior(prior, replaced)

    def layer(frame, name):
        held.append(name)
        return frame

    built = graph.build(
        raw_frame(spark, records), SETTINGS, dt.date(2025, 3, 5), dt.date(2025, 3, 5),
        "test-run", dt.datetime(2025, 3, 6), read_prior=read_prior, layer=layer,
    )  # fmt: skip
    return built, asked, held


def test_the_prior_state_is_read_for_exactly_the_touched_tickets(spark):
    from tests.jobs.conftest import raw

    records = [
        raw("2025-03-05", 1, "T-1", "2025-03-05T04:00:00Z", "2025-03-05T05:00:00Z"),
        raw("2025-03-05", 2, "T-2", "2025-03-05T04:00:00Z", "2025-03-05T06:00:00Z"),
        raw("2025-03-05", 3, "T-1", "2025-03-05T04:00:00Z", "2025-03-05T07:00:00Z"),
        raw("2025-03-05", 4, "", "2025-03-05T04:00:00Z", "2025-03-05T07:00:00Z"),  # rejected
    ]
    _, asked, held = _build(spark, records, [])
    assert asked == ["T-1", "T-2"]
    assert held == ["checked", "versions", "touched", "timeline"]


def test_a_replay_restores_the_tickets_only_the_replaced_files_mentioned(spark):
    """T-OLD was in the replaced file only: its prior row comes back. T-NEW is in the
    corrected file too: only its new version is kept. T-GONE had no state before the
    replay: it stays deleted."""
    from tests.jobs.conftest import fact, raw

    def before(ticket_id):
        return fact(ticket_id=ticket_id, created_at="2025-03-01T04:00:00Z",
                    updated_at="2025-03-01T05:00:00Z", created_date="2025-03-01",
                    last_business_date="2025-03-01", status="open", priority="normal",
                    reopen_count=0, is_open=True, sla_due_at="2025-03-04T04:00:00Z")  # fmt: skip

    records = [raw("2025-03-05", 1, "T-NEW", "2025-03-01T04:00:00Z", "2025-03-05T05:00:00Z",
                   status="pending")]  # fmt: skip
    replaced = spark.createDataFrame([("T-OLD",), ("T-NEW",), ("T-GONE",)], "ticket_id string")
    built, _, _ = _build(spark, records, [before("T-OLD"), before("T-NEW")], replaced)
    facts = {r.ticket_id: r.status for r in built.tables["fact_tickets"].collect()}
    assert facts == {"T-OLD": "open", "T-NEW": "pending"}
