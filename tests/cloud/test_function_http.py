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

import pytest

from jobs import config, resources, simulate
from jobs.config import Settings
from tests.cloud.conftest import PROJECT, anonymous, fresh_cloud_settings
from tests.conftest import WORLD_END, WORLD_START, World
from tests.functions.fake_dataproc import FakeDataproc

SOURCE = config.REPO_ROOT / "functions" / "main.py"
SCHEDULER_HEADERS = {
    "User-Agent": "Google-Cloud-Scheduler",
    "Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.scheduler-oidc-token.sig",
}
ENTRYPOINT = "gs://ops-tickets-dev-artifacts/jobs/dataproc_main-0123456789abcdef.py"
ARCHIVE = "gs://ops-tickets-dev-artifacts/jobs/jobs-fedcba9876543210.zip"


@dataclass
class Served:
    url: str
    settings: Settings
    dataproc: FakeDataproc
    log: Path

    def tick(self, body: bytes | None) -> tuple[int, dict]:
        headers = dict(SCHEDULER_HEADERS)
        if body:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url, data=body or b"", headers=headers)
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


def _env_dir(base: Path, settings: Settings, target: Path) -> Path:
    """A `cloud` environment folder naming this test's own dataset and buckets."""
    text = (base / "cloud" / "config.toml").read_text(encoding="utf-8")
    replacements = {
        'dataset = "ops_analytics"': f'dataset = "{settings.gcp.dataset}"',
        'landing_bucket = "ops-tickets-dev-landing"': (
            f'landing_bucket = "{settings.gcp.landing_bucket}"'
        ),
        'staging_bucket = "ops-tickets-dev-spark-staging"': (
            f'staging_bucket = "{settings.gcp.staging_bucket}"'
        ),
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    (target / "cloud").mkdir(parents=True)
    (target / "cloud" / "config.toml").write_text(text, encoding="utf-8")
    assert config.load("cloud", env_dir=target) == settings
    return target


@pytest.fixture
def served(cloud_env, cloud_env_dir, tmp_path) -> Iterator[Served]:
    settings = fresh_cloud_settings(cloud_env_dir)
    env_dir = _env_dir(cloud_env_dir, settings, tmp_path / "env")
    log = tmp_path / "function.log"
    with FakeDataproc().serving() as dataproc, _serve(env_dir, dataproc, log) as url:
        yield Served(url, settings, dataproc, log)


@contextlib.contextmanager
def _serve(env_dir: Path, dataproc: FakeDataproc, log: Path) -> Iterator[str]:
    env = {
        **os.environ,  # with the emulator hosts (cloud_env)
        "TICKETS_ENV_DIR": str(env_dir),
        # what infra/orchestration.py gives the function, Dataproc pointed at the fake
        "DATAPROC_API_ENDPOINT": dataproc.endpoint,
        "JOB_ENTRYPOINT_URI": ENTRYPOINT,
        "JOB_ARCHIVE_URI": ARCHIVE,
        "RUNNER_SERVICE_ACCOUNT": f"tickets-cloud-runner@{PROJECT}.iam.gserviceaccount.com",
        "SUBNETWORK_URI": (
            f"projects/{PROJECT}/regions/asia-south1/subnetworks/tickets-cloud-dataproc"
        ),
        "DATAPROC_RUNTIME": "3.0",
    }
    for name in ("TICKETS_IN_BATCH", "TICKETS_BATCH_ID", "TICKETS_LANDING", "TICKETS_WAREHOUSE"):
        env.pop(name, None)
    settings = config.load("cloud", env_dir=env_dir)
    with log.open("wb") as output, simulate.serve_function(settings, env, output) as url:
        yield url


def _land(small_world: World, settings: Settings, day: dt.date) -> None:
    from google.cloud import storage

    name = f"tickets/dt={day}/tickets_{day}.csv"
    bucket = storage.Client(project=PROJECT, credentials=anonymous()).bucket(
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
    assert list(batch.pyspark_batch.python_file_uris) == [ARCHIVE]
    execution = batch.environment_config.execution_config
    assert execution.staging_bucket == served.settings.gcp.staging_bucket
    assert execution.service_account == f"tickets-cloud-runner@{PROJECT}.iam.gserviceaccount.com"
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


def test_when_every_day_succeeded_the_tick_answers_up_to_date(served: Served):
    warehouse = resources.warehouse_for(served.settings)
    warehouse.ensure_tables()
    table = f"`{PROJECT}.{served.settings.gcp.dataset}.ingestion_state`"
    warehouse.client.query(
        f"INSERT INTO {table} (business_date, status, mode, run_id, attempt, started_at) "
        f"VALUES (DATE '{WORLD_END}', 'succeeded', 'backfill', 'earlier-run', 1, "
        "TIMESTAMP '2025-01-15 00:00:00 UTC')"
    ).result()

    assert served.tick(None) == (
        200,
        {"status": "up_to_date", "last_processed": WORLD_END.isoformat()},
    )
    assert served.dataproc.creates == []
    [entry] = served.tick_lines()
    assert entry["message"] == f"tick: up to date (last processed {WORLD_END})"


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
