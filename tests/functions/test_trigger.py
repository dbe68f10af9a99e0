"""The trigger function as Cloud Scheduler calls it: in-process, then over real HTTP."""

from __future__ import annotations

import datetime as dt
import shutil
import sys

import pytest
from functions_framework import create_app

from jobs import config
from tests.conftest import WORLD_END, WORLD_START, World
from tests.e2e.tables import rows
from workstation import simulate

pytestmark = pytest.mark.spark
SOURCE = str(config.REPO_ROOT / "functions" / "main.py")
SCHEDULER_HEADERS = {"User-Agent": "Google-Cloud-Scheduler", "Authorization": "Bearer test"}


@pytest.fixture
def client(small_world: World, tmp_path, monkeypatch, spark):
    """A test client of the function, wired to a fresh warehouse and a private landing."""
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "w.duckdb"
    for name, value in small_world.subprocess_env(warehouse).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TICKETS_LANDING", str(landing))
    app = create_app("tick", SOURCE)
    return app.test_client(), landing, warehouse


def _land(small_world: World, landing, day: dt.date) -> None:
    folder = f"tickets/dt={day}"
    shutil.copytree(small_world.landing / folder, landing / folder)


def _attempts(warehouse) -> int:
    return rows(warehouse, "SELECT COUNT(*) FROM ingestion_state")[0][0]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"tick"'])
def test_a_malformed_body_is_rejected_and_starts_nothing(client, small_world: World, body):
    test_client, landing, warehouse = client
    _land(small_world, landing, WORLD_START)
    reply = test_client.post("/", data=body, headers=SCHEDULER_HEADERS)
    assert reply.status_code == 400
    assert reply.get_json()["status"] == "bad_request"
    assert not warehouse.exists() or _attempts(warehouse) == 0


def test_ticks_process_one_day_each_then_wait_for_the_missing_extract(client, small_world: World):
    test_client, landing, warehouse = client
    second = WORLD_START + dt.timedelta(days=1)
    _land(small_world, landing, WORLD_START)
    _land(small_world, landing, second)

    for day in (WORLD_START, second):
        reply = test_client.post(
            "/", data=b"", headers=SCHEDULER_HEADERS
        )  # Scheduler may send no body
        assert reply.status_code == 200
        assert reply.get_json()["status"] == "processed"
        assert reply.get_json()["business_date"] == day.isoformat()

    reply = test_client.post("/", json={}, headers=SCHEDULER_HEADERS)
    assert reply.get_json() == {"status": "waiting", "business_date": "2025-01-03"}
    succeeded = rows(
        warehouse, "SELECT business_date FROM ingestion_state WHERE status = 'succeeded'"
    )
    assert [d for (d,) in succeeded] == [WORLD_START, second]


def test_a_tick_warns_of_a_re_delivered_extract_and_reprocesses_nothing(
    client, small_world: World, caplog
):
    import json
    import logging

    from jobs import logs

    test_client, landing, warehouse = client
    _land(small_world, landing, WORLD_START)
    assert test_client.post("/", headers=SCHEDULER_HEADERS).get_json()["status"] == "processed"
    extract = landing / f"tickets/dt={WORLD_START}/tickets_{WORLD_START}.csv"
    extract.write_bytes(extract.read_bytes() + b"\n")  # the same rows, re-delivered
    attempts = _attempts(warehouse)

    with caplog.at_level(logging.WARNING, logger="functions.trigger"):
        reply = test_client.post("/", headers=SCHEDULER_HEADERS).get_json()
    assert reply == {
        "status": "waiting",
        "business_date": str(WORLD_START + dt.timedelta(days=1)),
        "changed_days": [str(WORLD_START)],
    }
    assert _attempts(warehouse) == attempts  # nothing reprocessed
    [warning] = [r for r in caplog.records if r.name == "functions.trigger"]
    # As Cloud Logging receives it: the fields infra/monitoring.py's metric filters on.
    entry = json.loads(logs.CloudLoggingFormatter().format(warning))
    assert entry["severity"] == "WARNING" and entry["event"] == "changed_extracts"
    assert entry["changed_days"] == [str(WORLD_START)]
    assert f"make replay FROM={WORLD_START}" in entry["message"]


def test_simulate_ticks_the_served_function_until_up_to_date(small_world: World, tmp_path, spark):
    """`make simulate`: functions-framework on 127.0.0.1 in its own process, real HTTP ticks."""
    from jobs import pipeline, resources

    warehouse = tmp_path / "w.duckdb"
    settings = small_world.with_warehouse(warehouse)
    store = resources.warehouse_for(settings)
    store.ensure_tables()
    ctx = pipeline.Context(settings, resources.landing_for(settings), store, spark)
    assert pipeline.backfill(ctx, WORLD_START, WORLD_END - dt.timedelta(days=2)).ok

    env = small_world.subprocess_env(warehouse)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert simulate.run(config.load(), max_ticks=5) == 0

    by_mode = rows(
        warehouse, "SELECT mode, COUNT(*) FROM ingestion_state GROUP BY mode ORDER BY mode"
    )
    assert by_mode == [("backfill", 12), ("daily", 2)]


def test_a_failed_tick_names_a_missing_permission_or_dependency():
    from google.api_core.exceptions import Forbidden

    create_app("tick", SOURCE)  # loads functions/main.py as module `main`, as the platform does
    missing_of = sys.modules["main"]._missing
    refused = Forbidden("Access Denied: Table p:d.ingestion_state: bigquery.tables.getData")
    assert missing_of(refused) == (
        "permission denied: Forbidden: 403 Access Denied: Table p:d.ingestion_state: "
        "bigquery.tables.getData"
    )
    missing = ModuleNotFoundError("No module named 'sqlglot'", name="sqlglot")
    assert missing_of(missing) == (
        "missing dependency: No module named 'sqlglot'; the function's requirements.txt lacks it"
    )
