"""Log lines: human locally, Cloud Logging JSON in cloud envs, one line per day and per tick."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import shutil

import pytest

from jobs import config, logs, schemas
from tests.conftest import BACKFILL_TO, WORLD_START, World
from tests.e2e.tables import rows

HUMAN_LINE = re.compile(r"\d\d:\d\d:\d\d (INFO|WARNING|ERROR) .+")


@pytest.fixture(autouse=True)
def _restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logs.bind(batch_id=None)


@pytest.fixture
def dev() -> config.Settings:
    return config.load("dev", env_dir=config.ENV_DIR)


@pytest.fixture
def local() -> config.Settings:
    return config.load("local", env_dir=config.ENV_DIR)


def _entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_cloud_envs_log_one_json_object_per_line_with_context(dev, monkeypatch):
    monkeypatch.setenv(logs.BATCH_ID_VARIABLE, "tickets-dev-20251101-a1")
    stream = io.StringIO()
    logs.configure(dev, stream)
    log = logging.getLogger("jobs.test")
    before = dt.datetime.now(dt.UTC)

    with logs.context(run_id="daily-20251101T020000-abcd1234"):
        log.info("committed %s", "2025-11-01", extra={"business_date": dt.date(2025, 11, 1)})
        log.warning("slow day", extra={"rows_in": 1234})
    log.error("after the run")

    after = dt.datetime.now(dt.UTC)
    first, second, third = _entries(stream)
    assert first["severity"] == "INFO"
    assert first["message"] == "committed 2025-11-01"
    assert first["run_id"] == "daily-20251101T020000-abcd1234"
    assert first["business_date"] == "2025-11-01"
    assert first["batch_id"] == "tickets-dev-20251101-a1"  # from the batch's driver env
    assert first["logger"] == "jobs.test"
    stamp = dt.datetime.fromisoformat(first["time"])
    assert stamp.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=1) <= stamp <= after + dt.timedelta(seconds=1)

    assert (second["severity"], second["message"], second["rows_in"]) == (
        "WARNING",
        "slow day",
        1234,
    )
    assert second["run_id"] == "daily-20251101T020000-abcd1234"
    assert "business_date" not in second  # extra= is per call

    assert third["severity"] == "ERROR"
    assert "run_id" not in third  # the context ended with the block
    assert third["batch_id"] == "tickets-dev-20251101-a1"


def test_a_stack_trace_stays_inside_its_one_json_line(dev):
    stream = io.StringIO()
    logs.configure(dev, stream)
    try:
        raise ValueError("bad header in tickets_2025-11-01.csv")
    except ValueError:
        logging.getLogger("jobs.pipeline").exception(
            "run %s failed", "r1", extra={"run_id": "r1", "business_date": "2025-11-01"}
        )
    [entry] = _entries(stream)  # one physical line
    assert entry["severity"] == "ERROR"
    assert entry["message"].startswith("run r1 failed\nTraceback (most recent call last):")
    assert entry["message"].endswith("ValueError: bad header in tickets_2025-11-01.csv")
    assert (entry["run_id"], entry["business_date"]) == ("r1", "2025-11-01")


def test_local_envs_keep_the_human_format(local):
    stream = io.StringIO()
    logs.configure(local, stream)
    logging.getLogger("jobs").info("daily: committed %s", "2025-01-08", extra={"run_id": "r1"})
    [line] = stream.getvalue().splitlines()
    assert HUMAN_LINE.fullmatch(line), line
    assert line.endswith(" INFO daily: committed 2025-01-08")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_configuring_again_replaces_the_handler(local, dev):
    first, second = io.StringIO(), io.StringIO()
    logs.configure(local, first)
    logs.configure(dev, second)
    logging.getLogger("jobs").info("once")
    assert first.getvalue() == ""
    assert [e["message"] for e in _entries(second)] == ["once"]
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logs._Handler)]
    assert len(ours) == 1


def test_without_a_stream_lines_go_to_the_current_stderr(dev, capsys):
    logs.configure(dev)
    logging.getLogger("jobs").info("to stderr")
    entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert entry["message"] == "to stderr"


# --- the lines the job and the function write -------------------------------------------


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def backfilled(small_world: World, tmp_path_factory, spark):
    """A warehouse after a backfill of WORLD_START..BACKFILL_TO, and the lines it logged."""
    from jobs import pipeline, resources

    warehouse = tmp_path_factory.mktemp("backfilled") / "w.duckdb"
    settings = small_world.with_warehouse(warehouse)
    store = resources.warehouse_for(settings)
    store.ensure_tables()
    ctx = pipeline.Context(settings, resources.landing_for(settings), store, spark)
    jobs_log, handler = logging.getLogger("jobs"), _Records()
    level = jobs_log.level
    jobs_log.addHandler(handler)
    jobs_log.setLevel(logging.INFO)
    try:
        outcome = pipeline.backfill(ctx, WORLD_START, BACKFILL_TO)
    finally:
        jobs_log.removeHandler(handler)
        jobs_log.setLevel(level)
    assert outcome.ok
    return warehouse, outcome.run_id, handler.records


@pytest.mark.spark
def test_a_backfill_logs_each_of_its_steps_with_what_it_made(backfilled):
    warehouse, _, records = backfilled
    label = f"backfill {WORLD_START}..{BACKFILL_TO}"
    # Validation, versions, prior state and timeline; then each table the run computes,
    # in schemas/tables.json's order (ingestion_state is written from them); the commit.
    computed = [name for name in schemas.tables() if name != "ingestion_state"]
    total = 4 + len(computed) + 1
    step_of = {name: 5 + index for index, name in enumerate(computed)}
    # Off a terminal (as under pytest) a run logs every tenth of its steps (rounded up to
    # every second here), the last one, and any step 10 s after the last line.
    lines = [r.getMessage() for r in records if r.name == "jobs.progress"]
    pattern = re.compile(re.escape(label) + rf": (\d+)/{total} steps  \d+ s  (.+)")
    notes = {int(m[1]): m[2] for m in map(pattern.fullmatch, lines) if m}
    assert len(notes) == len(lines), lines
    assert list(notes) == sorted(notes) and set(range(2, total, 2)) <= set(notes), lines
    assert notes[2] == "ticket versions"
    assert notes[total] == "committed"
    # Each table step logged names its table and the rows it made: after this one backfill
    # into an empty warehouse, every table holds exactly those rows.
    tables = {step: note for step, note in notes.items() if step in step_of.values()}
    assert len(tables) >= 3, notes
    for step, note in tables.items():
        name = computed[step - 5]
        [[count]] = rows(warehouse, f"SELECT count(*) FROM {name}")
        assert count > 0 and note == f"{name}: {count} rows", (step, note)


@pytest.mark.spark
def test_the_daily_job_logs_one_line_per_day_with_its_figures(
    backfilled, small_world: World, tmp_path, monkeypatch, caplog
):
    from jobs import cli

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(backfilled[0], warehouse)
    for name, value in small_world.subprocess_env(warehouse).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cli, "_spark_stopped_at_exit", _KeepSpark)  # the shared session

    caplog.set_level(logging.INFO)
    assert cli.main(["daily", "--max-days", "2"]) == 0

    day_lines = [r for r in caplog.records if r.name == "jobs" and hasattr(r, "rows_in")]
    days = [BACKFILL_TO + dt.timedelta(days=1), BACKFILL_TO + dt.timedelta(days=2)]
    assert [r.business_date for r in day_lines] == [d.isoformat() for d in days]
    expected = rows(
        warehouse,
        "SELECT s.business_date, s.run_id, s.rows_in, s.rows_rejected, s.rows_read, b.open_eod "
        "FROM ingestion_state AS s JOIN backlog_daily AS b USING (business_date) "
        "WHERE s.mode = 'daily' AND s.status = 'succeeded' ORDER BY s.business_date",
    )
    assert len(expected) == 2
    for record, (day, run_id, rows_in, rejected, read, open_eod) in zip(
        day_lines, expected, strict=True
    ):
        assert record.business_date == day.isoformat()
        assert (record.run_id, record.rows_in, record.rows_rejected) == (run_id, rows_in, rejected)
        assert (record.rows_read, record.open_eod) == (read, open_eod)
        assert record.getMessage() == (
            f"daily {day}: {rows_in} rows in, {rejected} rejected, {read} rows read, "
            f"{open_eod} open at end of day (run {run_id})"
        )
        assert rows_in > 0 and open_eod > 0


class _KeepSpark:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def function_client(small_world: World, tmp_path, monkeypatch):
    """The function on a local env with an empty landing: ticks need no Spark."""
    from functions_framework import create_app

    landing = tmp_path / "landing"
    landing.mkdir()
    for name, value in small_world.subprocess_env(tmp_path / "w.duckdb").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TICKETS_LANDING", str(landing))
    app = create_app("tick", str(config.REPO_ROOT / "functions" / "main.py"))
    return app.test_client(), landing


def test_the_function_logs_one_line_per_tick_with_its_result(
    function_client, small_world: World, caplog
):
    client, _ = function_client
    caplog.set_level(logging.INFO)
    headers = {"User-Agent": "Google-Cloud-Scheduler", "Authorization": "Bearer test"}

    reply = client.post("/", json={"source": "cloud-scheduler"}, headers=headers)
    assert reply.status_code == 200
    assert reply.get_json() == {"status": "waiting", "business_date": WORLD_START.isoformat()}
    bad = client.post("/", data=b"[1, 2]", headers=headers)
    assert bad.status_code == 400

    ticks = [r for r in caplog.records if r.name == "trigger"]
    assert len(ticks) == 2
    waiting, rejected = ticks
    assert (waiting.levelname, waiting.status) == ("INFO", "waiting")
    assert waiting.business_date == WORLD_START.isoformat()
    assert waiting.tick == reply.get_json()
    assert waiting.getMessage() == f"tick: waiting for the extract of {WORLD_START}"
    assert (rejected.levelname, rejected.status) == ("WARNING", "bad_request")

    # in a cloud env the same record is one Cloud Logging entry
    entry = json.loads(logs.CloudLoggingFormatter().format(waiting))
    assert entry["severity"] == "INFO"
    assert entry["message"] == f"tick: waiting for the extract of {WORLD_START}"
    assert (entry["status"], entry["business_date"]) == ("waiting", WORLD_START.isoformat())
    assert entry["tick"] == {"status": "waiting", "business_date": WORLD_START.isoformat()}
