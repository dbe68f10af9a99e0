"""A replay puts back the tickets that only the old files mentioned (docs/design.md: "Replay").

A replay deletes the fact row of every ticket its days touched before the correction
and restages only what the corrected files say. A ticket that only the old file of a
replayed day mentioned is then in no staged row: `_with_restored_facts`
(jobs/pipeline.py) puts it back at its state before the replay. tests/e2e/test_corrections.py
cannot see that step go missing (its removed ticket was created on the corrected day, so
it has no earlier state to return to), so this test writes the one case that needs it.

Four hand-written extracts, Jan 1 to Jan 4 2025. R1 opens on Jan 1 and the original
Jan 3 file solves it; the corrected Jan 3 file no longer has R1's row, so nothing solves
it. After `replay FROM=2025-01-03`, R1 must be back as the Jan 1 file left it, exactly as
a clean run over the corrected files has it. Without the restoring step R1 vanishes from
fact_tickets, while fact_tickets_history and backlog_daily (built from the state as of
Jan 2) still have it open: the fact table alone is wrong, so it is what is checked first.

Business time zone Asia/Kolkata (UTC+05:30): day D runs from (D-1)T18:30Z to DT18:30Z,
and end(D) = DT18:30Z. Resolution target normal 72 h.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from jobs import pipeline
from jobs.config import LocalSettings
from jobs.landing import extract_key
from jobs.schemas import SOURCE_COLUMNS
from tests.e2e.tables import DATA_TABLES, rows, snapshot
from tests.envs import window, write_env

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

JAN1, JAN2, JAN3, JAN4 = (dt.date(2025, 1, d) for d in range(1, 5))


def ticket(ticket_id, created_at, updated_at, status, **more) -> dict:
    row = dict.fromkeys(SOURCE_COLUMNS, "")
    row.update(
        ticket_id=ticket_id, created_at=created_at, updated_at=updated_at, status=status,
        priority="normal", category="billing", channel="email", team="tier1", agent_id="A1",
        customer_id="C1", customer_tier="standard", subject="restore me", reopen_count="0",
    )  # fmt: skip
    row.update(more)
    return row


# fmt: off
EXTRACTS = {
    # R1 opens at 09:30 IST Jan 1 and is answered an hour later: its state before Jan 3.
    JAN1: [
        ticket("R1", "2025-01-01T04:00:00Z", "2025-01-01T05:00:00Z", "open",
               first_response_at="2025-01-01T05:00:00Z"),
    ],
    # K1 opens on Jan 2; it is in both versions of the Jan 3 file, so it is restaged.
    JAN2: [ticket("K1", "2025-01-02T04:00:00Z", "2025-01-02T04:00:00Z", "new")],
    JAN3: [
        # The original file solves R1 at 11:30 IST Jan 3, 50 h after it opened ...
        ticket("R1", "2025-01-01T04:00:00Z", "2025-01-03T06:00:00Z", "solved",
               first_response_at="2025-01-01T05:00:00Z", solved_at="2025-01-03T06:00:00Z"),
        ticket("K1", "2025-01-02T04:00:00Z", "2025-01-03T05:00:00Z", "open",
               first_response_at="2025-01-03T05:00:00Z"),
    ],
    # K1 is solved on Jan 4, 52 h after it opened; M1 opens.
    JAN4: [
        ticket("K1", "2025-01-02T04:00:00Z", "2025-01-04T08:00:00Z", "solved",
               first_response_at="2025-01-03T05:00:00Z", solved_at="2025-01-04T08:00:00Z"),
        ticket("M1", "2025-01-04T09:00:00Z", "2025-01-04T09:00:00Z", "new"),
    ],
}
# fmt: on
# ... the corrected file has K1's row alone: nothing solves R1 any more.
CORRECTED_JAN3 = [row for row in EXTRACTS[JAN3] if row["ticket_id"] != "R1"]


def write_extract(landing: Path, day: dt.date, extract: list[dict]) -> None:
    path = landing / extract_key(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SOURCE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(extract)
    path.write_text(out.getvalue(), encoding="utf-8")


def context(settings, warehouse: Path, landing: Path, spark) -> pipeline.Context:
    local = LocalSettings(landing=landing, warehouse=warehouse)
    return pipeline.context_for(dataclasses.replace(settings, local=local), lambda: spark)


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory) -> dict:
    """The original load (a copy kept as `original`), the same warehouse after the
    correction of Jan 3 and `replay FROM=2025-01-03` (`replayed`), and a clean load of
    the corrected files (`clean`)."""
    root = tmp_path_factory.mktemp("restores")
    # env/local with its simulated feed ending on Jan 4, the last hand-written day (the
    # generator's scale and defect rate stay the template's: nothing here is generated).
    feed = window("local", JAN1, JAN4, JAN2, scale=1.0, defect_rate=0.005)
    settings = write_env(root / "env", "restores", "local", feed)
    landing = root / "landing"
    for day, extract in EXTRACTS.items():
        write_extract(landing, day, extract)
    # The original files as production loads them: a backfill, then a daily run a day.
    replayed = root / "replayed.duckdb"
    ctx = context(settings, replayed, landing, spark)
    assert pipeline.backfill(ctx, JAN1, JAN2).committed == [JAN1, JAN2]
    assert pipeline.daily(ctx, max_days=5).committed == [JAN3, JAN4]
    shutil.copy(replayed, root / "original.duckdb")

    write_extract(landing, JAN3, CORRECTED_JAN3)
    outcome = pipeline.replay(ctx, JAN3)
    assert outcome.ok and outcome.committed == [JAN3, JAN4], outcome.line()

    # The clean run is one backfill: it gives the daily runs' tables (tests/e2e/test_pipeline.py).
    clean = root / "clean.duckdb"
    clean_ctx = context(settings, clean, landing, spark)
    assert pipeline.backfill(clean_ctx, JAN1, JAN4).committed == [JAN1, JAN2, JAN3, JAN4]
    return {"original": root / "original.duckdb", "replayed": replayed, "clean": clean}


FACT = (
    "SELECT ticket_id, status, is_open, strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ'), "
    "strftime(solved_at, '%Y-%m-%dT%H:%M:%SZ'), resolution_hours, sla_breached, "
    "last_business_date FROM fact_tickets ORDER BY ticket_id"
)
BACKLOG = (
    "SELECT business_date, open_eod, entered_backlog, left_backlog, open_past_due "
    "FROM backlog_daily ORDER BY business_date"
)


def test_the_original_jan_3_file_solved_r1(runs):
    """Otherwise the replay would have nothing to undo and the comparison proves nothing."""
    assert rows(runs["original"], FACT) == [
        # K1 solved 08:00Z Jan 4, 52 h after 04:00Z Jan 2, inside its 72 h.
        ("K1", "solved", False, "2025-01-04T08:00:00Z", "2025-01-04T08:00:00Z", 52.0, False, JAN4),
        ("M1", "new", True, "2025-01-04T09:00:00Z", None, None, None, JAN4),
        # R1 solved 06:00Z Jan 3, 50 h after 04:00Z Jan 1.
        ("R1", "solved", False, "2025-01-03T06:00:00Z", "2025-01-03T06:00:00Z", 50.0, False, JAN3),
    ]
    # Jan 3: R1 leaves, K1 stays. Jan 4: K1 leaves, M1 enters.
    assert rows(runs["original"], BACKLOG) == [
        (JAN1, 1, 1, 0, 0),
        (JAN2, 2, 1, 0, 0),
        (JAN3, 1, 0, 1, 0),
        (JAN4, 1, 1, 1, 0),
    ]


def test_the_replay_puts_r1_back_as_the_jan_1_file_left_it(runs):
    facts = rows(runs["replayed"], FACT)
    assert [f for f in facts if f[0] == "R1"] == [
        ("R1", "open", True, "2025-01-01T05:00:00Z", None, None, None, JAN1)
    ]
    assert [f[0] for f in facts] == ["K1", "M1", "R1"]
    # Its Jan 1 version is current again, and the Jan 3 one is gone.
    assert rows(
        runs["replayed"],
        "SELECT valid_from, valid_to, status FROM fact_tickets_history "
        "WHERE ticket_id = 'R1' ORDER BY valid_from",
    ) == [(JAN1, None, "open")]
    # R1 stays open: Jan 3 has no one leaving; on Jan 4 K1 leaves, M1 enters, and R1 is
    # past due (due 04:00Z Jan 4, 72 h after it opened; end(Jan 4) = 18:30Z Jan 4).
    assert rows(runs["replayed"], BACKLOG) == [
        (JAN1, 1, 1, 0, 0),
        (JAN2, 2, 1, 0, 0),
        (JAN3, 2, 0, 0, 0),
        (JAN4, 2, 1, 1, 1),
    ]


def test_the_replay_equals_a_clean_run_of_the_corrected_files(runs):
    clean = snapshot(runs["clean"])
    replayed = snapshot(runs["replayed"])
    for name in ["fact_tickets", *(t for t in DATA_TABLES if t != "fact_tickets")]:
        assert replayed[name] == clean[name], name
