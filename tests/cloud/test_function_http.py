"""The trigger function of a cloud environment, served by functions-framework over HTTP.

Everything the deployed function touches is a real local server: it reads
`ingestion_state` from the BigQuery emulator and the landing from the Cloud
Storage emulator (through jobs.resources), and submits the day's batch to the
local fake of the Dataproc API through the official client. Requests are
shaped like Cloud Scheduler's: its user agent, a bearer token, an empty body or
its JSON body.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jobs import config, resources
from jobs.config import Settings
from rehearsal.dataproc import DataprocStandIn
from tests.cloud.conftest import anonymous, env_folder, fresh_cloud_settings
from tests.conftest import WORLD_START, World
from workstation import simulate

SOURCE = config.REPO_ROOT / "functions" / "main.py"
SCHEDULER_HEADERS = {
    "User-Agent": "Google-Cloud-Scheduler",
    "Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.scheduler-oidc-token.sig",
}
ENTRYPOINT = "gs://ops-tickets-dev-artifacts/jobs/dataproc_main-0123456789abcdef.py"
ARCHIVE = "gs://ops-tickets-dev-artifacts/jobs/jobs-fedcba9876543210.zip"
DEPS = "gs://ops-tickets-dev-artifacts/jobs/batch-deps-0011223344556677.zip"
RUNNER = "tickets-cloud-runner@p.iam.gserviceaccount.com"
SERVICE_ACCOUNT = 1  # dataproc_v1.AuthenticationConfig.AuthenticationType.SERVICE_ACCOUNT


@dataclass
class Served:
    url: str
    settings: Settings
    dataproc: DataprocStandIn
    log: Path

    def tick(self, body: bytes | None, method: str = "POST") -> tuple[int, dict]:
        headers = dict(SCHEDULER_HEADERS)
        if body:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url, data=body or b"", headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def tick_lines(self) -> list[dict]:
        """The function's own log entries (one JSON object per line on stderr)."""
        entries = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("logger") == "trigger":
                    entries.append(entry)
        return entries


@pytest.fixture
def served(cloud_env, cloud_env_dir, tmp_path) -> Iterator[Served]:
    settings = fresh_cloud_settings(cloud_env_dir)
    resources.warehouse_for(settings).ensure_tables()  # what Terraform does at deploy
    env_dir = env_folder(cloud_env_dir, settings, tmp_path / "env")
    log = tmp_path / "function.log"
    with DataprocStandIn().serving() as dataproc, _serve(env_dir, dataproc, log) as url:
        yield Served(url, settings, dataproc, log)


@contextlib.contextmanager
def _serve(env_dir: Path, dataproc: DataprocStandIn, log: Path) -> Iterator[str]:
    env = {
        **os.environ,  # with the emulator hosts (cloud_env)
        "TICKETS_ENV_DIR": str(env_dir),
        # what infra/orchestration.py gives the function, Dataproc pointed at the fake
        "DATAPROC_API_ENDPOINT": dataproc.endpoint,
        "JOB_ENTRYPOINT_URI": ENTRYPOINT,
        "JOB_ARCHIVE_URI": ARCHIVE,
        "JOB_DEPS_URI": DEPS,
        "RUNNER_SERVICE_ACCOUNT": RUNNER,
        "SUBNETWORK_URI": "projects/p/regions/asia-south1/subnetworks/tickets-cloud-dataproc",
        "DATAPROC_RUNTIME": "3.0",
    }
    for name in ("TICKETS_BATCH_ID", "TICKETS_LANDING", "TICKETS_WAREHOUSE"):
        env.pop(name, None)
    settings = config.load("cloud", env_dir=env_dir)
    with log.open("wb") as output, simulate.serve_function(settings, env, output) as url:
        yield url


def _land(small_world: World, settings: Settings, day: dt.date) -> None:
    from google.cloud import storage

    name = f"tickets/dt={day}/tickets_{day}.csv"
    bucket = storage.Client(project=settings.gcp.project, credentials=anonymous()).bucket(
        settings.gcp.landing_bucket
    )
    bucket.blob(name).upload_from_filename(str(small_world.landing / name))


def test_a_tick_submits_the_next_day_once_however_often_scheduler_delivers(
    served: Served, small_world: World
):
    _land(small_world, served.settings, WORLD_START)

    first = served.tick(None)  # Cloud Scheduler may send no body
    again = served.tick(b'{"source": "cloud-scheduler"}')  # a retried delivery

    batch_id = "tickets-cloud-20250101-a1"
    assert first == (
        200,
        {"status": "submitted", "business_date": "2025-01-01", "batch_id": batch_id},
    )
    assert again[0] == 200
    assert again[1]["status"] == "already_submitted"
    assert again[1]["batch_id"] == batch_id
    assert served.dataproc.created_ids == [batch_id]  # one batch, however many ticks
    batch = served.dataproc.batch(batch_id)
    assert list(batch.pyspark_batch.args) == ["--env", "cloud", "daily", "--day", "2025-01-01"]
    assert batch.pyspark_batch.main_python_file_uri == ENTRYPOINT
    assert list(batch.pyspark_batch.python_file_uris) == [ARCHIVE, DEPS]
    execution = batch.environment_config.execution_config
    assert execution.service_account == RUNNER
    # runtime 3.0 would otherwise run the batch as its submitter, the function
    assert execution.authentication_config.user_workload_authentication_type == SERVICE_ACCOUNT
    assert execution.staging_bucket == ""  # runtime 3.0 uses none
    assert dict(batch.labels) == {"env": "cloud", "app": "ops-tickets", "managed-by": "cdktn"}

    # one Cloud Logging entry per tick, with the batch id as a field
    submitted, repeated = served.tick_lines()
    assert submitted["severity"] == "INFO"
    assert submitted["message"] == f"tick: submitted batch {batch_id} for 2025-01-01"
    assert (submitted["batch_id"], submitted["business_date"]) == (batch_id, "2025-01-01")
    assert repeated["status"] == "already_submitted" and repeated["batch_id"] == batch_id
    assert dt.datetime.fromisoformat(submitted["time"]).utcoffset() == dt.timedelta(0)


def test_without_the_extract_the_tick_waits_and_submits_nothing(served: Served):
    assert served.tick(b'{"source": "cloud-scheduler"}') == (
        200,
        {"status": "waiting", "business_date": "2025-01-01"},
    )
    assert served.dataproc.creates == []
    [entry] = served.tick_lines()
    assert (entry["status"], entry["business_date"]) == ("waiting", "2025-01-01")


def test_when_yesterday_succeeded_the_tick_answers_up_to_date(served: Served):
    # A real environment has no last day: the last one that may run is yesterday in the
    # business time zone (today's extract is complete only once today has ended).
    yesterday = dt.datetime.now(ZoneInfo("Asia/Kolkata")).date() - dt.timedelta(days=1)
    warehouse = resources.warehouse_for(served.settings)
    table = f"`{served.settings.gcp.project}.{served.settings.gcp.dataset}.ingestion_state`"
    warehouse.client.query(
        f"INSERT INTO {table} (business_date, status, mode, run_id, attempt, started_at) "
        f"VALUES (DATE '{yesterday}', 'succeeded', 'daily', 'earlier-run', 1, "
        "CURRENT_TIMESTAMP())"
    ).result()

    assert served.tick(None) == (
        200,
        {"status": "up_to_date", "last_processed": yesterday.isoformat()},
    )
    assert served.dataproc.creates == []
    [entry] = served.tick_lines()
    assert entry["message"] == f"tick: up to date (last processed {yesterday})"


def test_the_next_year_is_an_ordinary_day(served: Served):
    # Dec 31 processed: the tick looks for Jan 1 of the next year, never "up to date".
    warehouse = resources.warehouse_for(served.settings)
    table = f"`{served.settings.gcp.project}.{served.settings.gcp.dataset}.ingestion_state`"
    warehouse.client.query(
        f"INSERT INTO {table} (business_date, status, mode, run_id, attempt, started_at) "
        "VALUES (DATE '2025-12-31', 'succeeded', 'daily', 'earlier-run', 1, CURRENT_TIMESTAMP())"
    ).result()

    assert served.tick(None) == (200, {"status": "waiting", "business_date": "2026-01-01"})


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"tick"', b"{bad"])
def test_a_malformed_body_is_refused_and_submits_nothing(
    served: Served, small_world: World, body: bytes
):
    _land(small_world, served.settings, WORLD_START)  # a tick would have something to do

    code, reply = served.tick(body)

    assert code == 400
    assert reply["status"] == "bad_request"
    assert served.dataproc.creates == []
    assert served.dataproc.gets == []
    [entry] = served.tick_lines()
    assert (entry["severity"], entry["status"]) == ("WARNING", "bad_request")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "GET"])
def test_a_tick_is_a_post_and_nothing_else(served: Served, small_world: World, method: str):
    _land(small_world, served.settings, WORLD_START)

    code, reply = served.tick(b"{}" if method != "GET" else None, method=method)

    assert code == 405
    assert reply == {
        "status": "bad_request",
        "error": f"method {method} is not allowed: a tick is a POST",
    }
    assert served.dataproc.creates == []


@pytest.mark.parametrize(
    ("body", "code", "error"),
    [
        (
            b'{"day": "2025-11-15"}',
            400,
            "unknown field(s) day: a tick takes no arguments, it always processes the next "
            "pending day (documented fields: source)",
        ),
        (b'{"source": 7}', 400, "field source must be a str"),
        (b"[" * 5_000 + b"]" * 5_000, 400, "body nests JSON too deeply"),
        (b'{"source": "' + b"x" * 20_000 + b'"}', 413, "body larger than 16384 bytes"),
    ],
)
def test_a_body_outside_the_contract_is_refused_with_4xx(
    served: Served, small_world: World, body: bytes, code: int, error: str
):
    _land(small_world, served.settings, WORLD_START)  # a tick would have something to do

    assert served.tick(body) == (code, {"status": "bad_request", "error": error})
    assert served.dataproc.creates == []
