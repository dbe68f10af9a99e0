"""The Dataproc Serverless runner and the CLI's cloud side, against local fakes.

Every request goes through the official `BatchControllerClient` (REST transport)
to a real HTTP server on 127.0.0.1 (rehearsal/dataproc.py); the batch
it received is parsed back with `dataproc_v1.Batch` and checked field by field
against values written out here, not recomputed by the code under test.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest

import workstation
from functions.runners import dataproc as dataproc_runner
from functions.runners import runner_for
from functions.runners.dataproc import AttemptsExhausted, DataprocRunner, RunnerConfigError
from jobs import cli, config, logs
from rehearsal.dataproc import DataprocStandIn
from rehearsal.quotas import QuotasStandIn
from workstation import cli as workstation_cli

PARENT = "projects/ops-tickets-dev/locations/asia-south1"
ENTRYPOINT = "gs://ops-tickets-dev-artifacts/jobs/dataproc_main-0123456789abcdef.py"
ARCHIVE = "gs://ops-tickets-dev-artifacts/jobs/jobs-fedcba9876543210.zip"
DEPS = "gs://ops-tickets-dev-artifacts/jobs/batch-deps-0011223344556677.zip"
RUNNER_ACCOUNT = "tickets-dev-runner@ops-tickets-dev.iam.gserviceaccount.com"
SUBNETWORK = "projects/ops-tickets-dev/regions/asia-south1/subnetworks/tickets-dev-dataproc"
SERVICE_ACCOUNT = 1  # dataproc_v1.AuthenticationConfig.AuthenticationType.SERVICE_ACCOUNT
LABELS = {"env": "dev", "app": "ops-tickets", "managed-by": "cdktn"}
DAY = dt.date(2025, 11, 1)


def _properties(batch_id: str, max_executors: int) -> dict[str, str]:
    return {
        "spark.driver.cores": "4",
        "spark.executor.cores": "4",
        # env/dev/config.toml's batch sizing
        "spark.driver.memory": "4g",
        "spark.driver.memoryOverhead": "2g",
        "spark.executor.memory": "4g",
        "spark.executor.memoryOverhead": "1g",
        "spark.executor.instances": "2",
        "spark.dynamicAllocation.initialExecutors": "2",
        "spark.dynamicAllocation.minExecutors": "2",
        "spark.dynamicAllocation.maxExecutors": str(max_executors),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.python.sql.dataFrameDebugging.enabled": "false",
        "spark.dataproc.driverEnv.TICKETS_ENV": "dev",
        "spark.dataproc.driverEnv.TICKETS_BATCH_ID": batch_id,
    }


@pytest.fixture(autouse=True)
def _restore_logging():
    """cli.main configures the root logger for the env; put it back afterwards."""
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
def fake() -> Iterator[DataprocStandIn]:
    with DataprocStandIn().serving() as server:
        yield server


@pytest.fixture
def quotas() -> Iterator[QuotasStandIn]:
    with QuotasStandIn().serving() as server:
        yield server


@pytest.fixture
def function_env(fake: DataprocStandIn, quotas: QuotasStandIn, monkeypatch) -> dict[str, str]:
    """The trigger function's environment as infra sets it, pointed at the fake API (and,
    for make backfill and make replay, which run the preflight first, at the quotas)."""
    values = {
        "DATAPROC_API_ENDPOINT": fake.endpoint,
        "CLOUD_QUOTAS_API_ENDPOINT": quotas.endpoint,
        "JOB_ENTRYPOINT_URI": ENTRYPOINT,
        "JOB_ARCHIVE_URI": ARCHIVE,
        "JOB_DEPS_URI": DEPS,
        "RUNNER_SERVICE_ACCOUNT": RUNNER_ACCOUNT,
        "SUBNETWORK_URI": SUBNETWORK,
        "DATAPROC_RUNTIME": "3.0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(logs.BATCH_ID_VARIABLE, raising=False)
    return values


@pytest.fixture
def runner(dev, function_env) -> DataprocRunner:
    made = runner_for(dev)  # the wiring the function uses
    assert isinstance(made, DataprocRunner)
    return made


def _check_identity(execution) -> None:
    """The batch acts as the runner account, not as whoever submitted it."""
    assert execution.service_account == RUNNER_ACCOUNT
    # Runtime 3.0 and later use the submitter's credentials when this is unset.
    assert execution.authentication_config.user_workload_authentication_type == SERVICE_ACCOUNT
    assert execution.staging_bucket == ""  # runtime 3.0 uses no staging bucket


def _check_daily_batch(fake: DataprocStandIn, batch_id: str, day: dt.date) -> None:
    batch = fake.batch(batch_id)
    assert batch.pyspark_batch.main_python_file_uri == ENTRYPOINT
    assert list(batch.pyspark_batch.python_file_uris) == [ARCHIVE, DEPS]
    assert list(batch.pyspark_batch.args) == ["--env", "dev", "daily", "--day", day.isoformat()]
    assert batch.runtime_config.version == "3.0"
    assert dict(batch.runtime_config.properties) == _properties(batch_id, 2)
    execution = batch.environment_config.execution_config
    assert execution.service_account == RUNNER_ACCOUNT
    assert execution.subnetwork_uri == SUBNETWORK
    _check_identity(execution)
    assert execution.ttl.seconds == 3600  # a stuck day ends after an hour, not the default 4
    assert dict(batch.labels) == LABELS


# --- the daily batch --------------------------------------------------------------------


def test_first_tick_submits_one_batch_for_exactly_that_day(runner, fake: DataprocStandIn):
    result = runner.start(DAY)

    assert result == {
        "status": "submitted",
        "business_date": "2025-11-01",
        "batch_id": "tickets-dev-20251101-a1",
    }
    assert [(c.parent, c.batch_id, c.created) for c in fake.creates] == [
        (PARENT, "tickets-dev-20251101-a1", True)
    ]
    _check_daily_batch(fake, "tickets-dev-20251101-a1", DAY)


def test_the_batch_arguments_are_a_valid_daily_command_for_that_day(runner, fake):
    runner.start(DAY)
    args = cli.parser().parse_args(list(fake.batch("tickets-dev-20251101-a1").pyspark_batch.args))
    assert (args.env, args.command, args.day, args.max_days) == ("dev", "daily", DAY, 1)


def test_a_duplicate_tick_reports_the_batch_and_creates_no_second_one(runner, fake):
    first = runner.start(DAY)
    second = runner.start(DAY)

    assert first["status"] == "submitted"
    assert second["status"] == "already_submitted"
    assert second["batch_id"] == first["batch_id"] == "tickets-dev-20251101-a1"
    assert second["business_date"] == "2025-11-01"
    assert len(fake.creates) == 2  # the second create was refused by Dataproc ...
    assert fake.created_ids == ["tickets-dev-20251101-a1"]  # ... so exactly one batch exists
    assert list(fake.batches) == ["tickets-dev-20251101-a1"]
    assert fake.gets == ["tickets-dev-20251101-a1"]


@pytest.mark.parametrize("state", ["PENDING", "RUNNING", "SUCCEEDED"])
def test_a_live_or_successful_batch_is_not_submitted_again(runner, fake, state):
    runner.start(DAY)
    fake.set_state("tickets-dev-20251101-a1", state)

    result = runner.start(DAY)

    assert result["status"] == "already_submitted"
    assert result["batch_id"] == "tickets-dev-20251101-a1"
    assert fake.created_ids == ["tickets-dev-20251101-a1"]


@pytest.mark.parametrize("state", ["FAILED", "CANCELLED"])
def test_after_a_failed_batch_the_next_tick_starts_attempt_two(runner, fake, state):
    runner.start(DAY)
    fake.set_state("tickets-dev-20251101-a1", state)

    result = runner.start(DAY)

    assert result == {
        "status": "submitted",
        "business_date": "2025-11-01",
        "batch_id": "tickets-dev-20251101-a2",
    }
    assert fake.created_ids == ["tickets-dev-20251101-a1", "tickets-dev-20251101-a2"]
    _check_daily_batch(fake, "tickets-dev-20251101-a2", DAY)
    # and a tick while attempt 2 runs starts nothing
    assert runner.start(DAY)["batch_id"] == "tickets-dev-20251101-a2"
    assert len(fake.created_ids) == 2


def test_attempts_are_bounded(runner, fake):
    for attempt in range(1, 6):
        fake.add_batch(PARENT, f"tickets-dev-20251101-a{attempt}", "FAILED")

    with pytest.raises(AttemptsExhausted, match="5 batches"):
        runner.start(DAY)

    assert [c.batch_id for c in fake.creates] == [f"tickets-dev-20251101-a{n}" for n in range(1, 6)]
    assert fake.created_ids == []


def test_days_and_environments_get_their_own_batch_ids(dev, runner, fake):
    runner.start(DAY)
    runner.start(DAY + dt.timedelta(days=1))
    prod = DataprocRunner(
        dataclasses.replace(dev, name="prod"), environ=dict(os.environ)
    )  # same fake API, another env name
    prod.start(DAY)
    assert fake.created_ids == [
        "tickets-dev-20251101-a1",
        "tickets-dev-20251102-a1",
        "tickets-prod-20251101-a1",
    ]


def test_the_runtime_version_comes_from_settings_unless_the_environment_overrides_it(
    dev, function_env, fake, monkeypatch
):
    monkeypatch.delenv("DATAPROC_RUNTIME")
    DataprocRunner(dev).start(DAY)
    assert fake.batch("tickets-dev-20251101-a1").runtime_config.version == "3.0"

    monkeypatch.setenv("DATAPROC_RUNTIME", "2.3")
    DataprocRunner(dev).start(DAY + dt.timedelta(days=1))
    assert fake.batch("tickets-dev-20251102-a1").runtime_config.version == "2.3"


# --- the backfill batch -----------------------------------------------------------------


def test_a_backfill_batch_runs_the_range_in_one_job(runner, fake):
    first, last = dt.date(2025, 1, 1), dt.date(2025, 10, 31)

    result = runner.submit_backfill(first, last)
    again = runner.submit_backfill(first, last)

    ident = "tickets-dev-backfill-20250101-20251031-a1"
    assert result["status"] == "submitted" and result["batch_id"] == ident
    assert again["status"] == "already_submitted" and again["batch_id"] == ident
    assert fake.created_ids == [ident]
    batch = fake.batch(ident)
    assert list(batch.pyspark_batch.args) == [
        "--env", "dev", "backfill", "--from", "2025-01-01", "--to", "2025-10-31",
    ]  # fmt: skip
    assert batch.pyspark_batch.main_python_file_uri == ENTRYPOINT
    assert list(batch.pyspark_batch.python_file_uris) == [ARCHIVE, DEPS]
    assert dict(batch.runtime_config.properties) == _properties(ident, 6)
    assert batch.environment_config.execution_config.service_account == RUNNER_ACCOUNT
    assert batch.environment_config.execution_config.subnetwork_uri == SUBNETWORK
    _check_identity(batch.environment_config.execution_config)
    assert batch.environment_config.execution_config.ttl.seconds == 4 * 3600
    assert dict(batch.labels) == LABELS
    parsed = cli.parser().parse_args(list(batch.pyspark_batch.args))
    assert (parsed.command, parsed.first, parsed.last) == ("backfill", first, last)


def test_an_empty_backfill_range_is_refused(runner, fake):
    with pytest.raises(ValueError, match="empty"):
        runner.submit_backfill(dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    assert fake.creates == []


# --- names agree with infra -------------------------------------------------------------


def test_labels_account_and_subnetwork_match_what_infra_declares(dev, fake):
    from infra.naming import EnvNames

    names = EnvNames(dev)
    assert dataproc_runner.labels(dev) == names.labels
    # with no RUNNER_SERVICE_ACCOUNT / SUBNETWORK_URI (a workstation) infra's names are used
    code = {"JOB_ENTRYPOINT_URI": ENTRYPOINT, "JOB_ARCHIVE_URI": ARCHIVE, "JOB_DEPS_URI": DEPS}
    batch = DataprocRunner(dev, environ=code).build_batch(["status"], "tickets-dev-x-a1", "2", 60)
    assert batch.environment_config.execution_config.service_account == names.email("runner")
    assert batch.environment_config.execution_config.subnetwork_uri == names.subnetwork_uri


def test_without_code_uris_the_packaged_manifest_names_the_code(dev, tmp_path, monkeypatch):
    from tools import package

    monkeypatch.setattr(dataproc_runner, "DIST", tmp_path)
    with pytest.raises(RunnerConfigError, match="JOB_ENTRYPOINT_URI"):
        DataprocRunner(dev, environ={}).build_batch(["status"], "tickets-dev-x-a1", "2", 60)

    manifest = package.build("dev", dist=tmp_path)
    batch = DataprocRunner(dev, environ={}).build_batch(["status"], "tickets-dev-x-a1", "2", 60)
    assert batch.pyspark_batch.main_python_file_uri == (
        f"gs://ops-tickets-dev-artifacts/{manifest.entrypoint.object_name}"
    )
    assert list(batch.pyspark_batch.python_file_uris) == [
        f"gs://ops-tickets-dev-artifacts/{manifest.jobs.object_name}",
        f"gs://ops-tickets-dev-artifacts/{manifest.deps.object_name}",
    ]
    assert manifest.jobs.object_name.startswith("jobs/jobs-")


def test_an_environment_name_too_long_for_a_batch_id_is_refused(dev):
    long = dataclasses.replace(dev, name="x" * 60)
    with pytest.raises(RunnerConfigError, match="4-63"):
        dataproc_runner.batch_id(long, "20251101", 1)


def test_importing_the_runner_and_the_cli_loads_no_google_client():
    """Only the namespace packages a bare interpreter already has (site .pth files)."""
    listing = "print(sorted(m for m in sys.modules if m.startswith(('google', 'grpc'))))"

    def google_modules(imports: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", f"import sys{imports}\n{listing}"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(config.REPO_ROOT)},
            timeout=120,
        )
        return json.loads(out.stdout.replace("'", '"'))

    bare = google_modules("")
    loaded = google_modules(", jobs.cli, functions.runners.dataproc, jobs.logs, workstation.tick")
    assert "google.cloud.dataproc_v1" in google_modules(", google.cloud.dataproc_v1")
    assert loaded == bare


# --- the CLI in a cloud environment ----------------------------------------------------


def test_backfill_from_a_workstation_submits_a_backfill_batch(function_env, fake, capsys):
    argv = ["--env", "dev", "backfill", "--from", "2025-01-01", "--to", "2025-01-31"]
    code = workstation_cli.main(argv)

    assert code == 0
    ident = "tickets-dev-backfill-20250101-20250131-a1"
    assert capsys.readouterr().out.strip() == (
        f"backfill: submitted batch {ident} for 2025-01-01..2025-01-31"
    )
    assert fake.created_ids == [ident]


def test_backfill_without_a_range_submits_start_through_yesterday(function_env, fake, capsys):
    assert workstation_cli.main(["--env", "dev", "backfill"]) == 0
    # env/dev/config.toml starts on 2025-01-01 and has no end: yesterday in Kolkata is the last
    yesterday = dt.datetime.now(ZoneInfo("Asia/Kolkata")).date() - dt.timedelta(days=1)
    assert fake.created_ids == [f"tickets-dev-backfill-20250101-{yesterday:%Y%m%d}-a1"]


def test_replay_from_a_workstation_submits_one_batch_per_correction(
    function_env, fake, capsys, monkeypatch, tmp_path
):
    """The batch id names the first day and fingerprints the files it will read: the same
    replay submitted twice finds its batch; after another correction, a new batch."""
    from jobs.landing import extract_key
    from jobs.landing.local import LocalLanding

    for day in ("2025-11-14", "2025-11-15", "2025-11-16"):
        path = tmp_path / extract_key(dt.date.fromisoformat(day))
        path.parent.mkdir(parents=True)
        path.write_text(f"header\nrow of {day}\n")
    monkeypatch.setattr(workstation_cli.resources, "landing_for", lambda s: LocalLanding(tmp_path))

    def replay() -> str:
        assert workstation_cli.main(["--env", "dev", "replay", "--from", "2025-11-15"]) == 0
        return capsys.readouterr().out.strip()

    first = replay()
    ident = fake.created_ids[0]
    assert re.fullmatch(r"tickets-dev-replay-20251115-[0-9a-f]{8}-a1", ident), ident
    assert first == f"replay: submitted batch {ident} for 2025-11-15..the last processed day"
    assert list(fake.batch(ident).pyspark_batch.args) == [
        "--env", "dev", "replay", "--from", "2025-11-15",
    ]  # fmt: skip
    assert replay().startswith(f"replay: already submitted batch {ident}")
    # A file before the replayed range does not change what it reads.
    (tmp_path / extract_key(dt.date(2025, 11, 14))).write_text("header\ncorrected\n")
    assert replay().startswith(f"replay: already submitted batch {ident}")
    (tmp_path / extract_key(dt.date(2025, 11, 16))).write_text("header\ncorrected\n")
    assert replay().startswith("replay: submitted batch") and len(fake.created_ids) == 2
    assert fake.created_ids[1] != ident


def test_replaying_one_day_from_a_workstation_passes_date(function_env, fake, capsys, monkeypatch):
    from jobs.landing.local import LocalLanding

    monkeypatch.setattr(
        workstation_cli.resources, "landing_for", lambda s: LocalLanding(Path("/nonexistent"))
    )
    assert workstation_cli.main(["--env", "dev", "replay", "--date", "2025-11-15"]) == 0
    [ident] = fake.created_ids
    assert list(fake.batch(ident).pyspark_batch.args)[-2:] == ["--date", "2025-11-15"]


class _RanInProcess(Exception):
    pass


class _KeepSpark:
    """Stands in for cli._spark_stopped_at_exit: the suite shares one Spark session."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize(
    "argv",
    [["--env", "dev", "backfill", "--from", "2025-01-01", "--to", "2025-01-31"],
     ["--env", "dev", "daily", "--day", "2025-11-01"]],
)  # fmt: skip
def test_the_batch_cli_runs_the_job_in_process(function_env, fake, monkeypatch, argv):
    built = []

    def context(settings, one_day=False, one_run=False):
        built.append(settings.name)
        raise _RanInProcess

    monkeypatch.setattr(cli, "_context", context)
    monkeypatch.setattr(cli, "_spark_stopped_at_exit", _KeepSpark)  # a shared session may run
    with pytest.raises(_RanInProcess):
        cli.main(argv)
    assert built == ["dev"]
    assert fake.creates == []  # no batch submits another batch


def test_the_batch_entry_point_passes_the_arguments_to_the_batch_cli(monkeypatch):
    path = config.REPO_ROOT / "dataproc_main.py"
    spec = importlib.util.spec_from_file_location("dataproc_main_under_test", path)
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    seen = []

    def cli_main(argv):
        seen.append(argv)
        return 7

    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(config.REPO_ROOT)
    monkeypatch.setattr(cli, "main", cli_main)

    assert entry.main(["--env", "dev", "daily", "--day", "2025-11-01"]) == 7
    assert seen == [["--env", "dev", "daily", "--day", "2025-11-01"]]


# The deployed function as seen from a workstation: a token endpoint that signs the
# ID token for a service-account key, and the function checking the bearer token.


@dataclasses.dataclass
class _Cloud:
    url: str = ""
    token_uri: str = ""
    key_file: Path | None = None
    public_pem: bytes = b""
    ticks: list[dict] = dataclasses.field(default_factory=list)
    token_requests: list[dict] = dataclasses.field(default_factory=list)
    issued: list[str] = dataclasses.field(default_factory=list)


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def cloud(tmp_path) -> Iterator[_Cloud]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    state = _Cloud()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    state.public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/token":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                state.token_requests.append(form)
                token = ".".join(
                    [
                        _b64({"alg": "RS256", "typ": "JWT"}),
                        _b64({"aud": state.url, "exp": int(time.time()) + 3600}),
                        _b64(b"signature"),
                    ]
                )
                state.issued.append(token)
                return self._json(200, {"id_token": token})
            state.ticks.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(body or b"null"),
                }
            )
            if self.headers.get("Authorization") != f"Bearer {state.issued[-1]}":
                return self._json(403, {"error": "forbidden"})
            return self._json(
                200,
                {
                    "status": "submitted",
                    "business_date": "2025-11-01",
                    "batch_id": "tickets-dev-20251101-a1",
                },
            )

        def _json(self, code, payload):
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    state.url, state.token_uri = f"{base}/tick", f"{base}/token"
    state.key_file = tmp_path / "key.json"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    state.key_file.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "ops-tickets-dev",
                "private_key_id": "test-key",
                "private_key": pem,
                "client_email": "operator@ops-tickets-dev.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": state.token_uri,
            }
        )
    )
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_daily_from_a_workstation_sends_the_function_one_authenticated_tick(
    cloud: _Cloud, fake, function_env, monkeypatch, capsys
):
    from google.auth import jwt

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(cloud.key_file))
    monkeypatch.setenv("FUNCTION_URL", cloud.url)

    assert workstation_cli.main(["--env", "dev", "daily"]) == 0

    # the ID token was asked for with the function's URL as audience, signed by the key
    [form] = cloud.token_requests
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(
        form["assertion"], certs=cloud.public_pem, audience="https://oauth2.googleapis.com/token"
    )
    assert claims["target_audience"] == cloud.url
    assert claims["iss"] == "operator@ops-tickets-dev.iam.gserviceaccount.com"
    # ... and sent as Cloud Scheduler sends it
    assert cloud.ticks == [
        {
            "path": "/tick",
            "authorization": f"Bearer {cloud.issued[0]}",
            "body": {"source": "cloud-scheduler"},
        }
    ]
    out = capsys.readouterr().out.strip()
    assert out.startswith("daily: HTTP 200 ")
    assert json.loads(out.removeprefix("daily: HTTP 200 ")) == {
        "status": "submitted",
        "business_date": "2025-11-01",
        "batch_id": "tickets-dev-20251101-a1",
    }
    assert fake.creates == []  # the function submits; the workstation does not


def test_daily_with_url_flag_and_day_flag(cloud: _Cloud, function_env, monkeypatch, capsys):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(cloud.key_file))
    monkeypatch.delenv("FUNCTION_URL", raising=False)
    assert workstation_cli.main(["--env", "dev", "daily", "--url", cloud.url]) == 0
    assert len(cloud.ticks) == 1

    # the function chooses the day; asking for one from outside is an error, not a tick
    argv = ["--env", "dev", "daily", "--url", cloud.url, "--day", "2025-11-01"]
    assert workstation_cli.main(argv) == 2
    assert "--day" in capsys.readouterr().err
    assert len(cloud.ticks) == 1


def test_daily_without_credentials_fails_with_one_clear_line(cloud: _Cloud, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GOOGLE_APPLICATION_CREDENTIALS", "TICKETS_ENV_DIR")
    }
    # no key file, and a metadata server address where nothing listens (not a real one)
    env.update(
        PYTHONPATH=str(config.REPO_ROOT),
        GCE_METADATA_IP="127.0.0.1:9",
        GCE_METADATA_HOST="127.0.0.1:9",
        FUNCTION_URL=cloud.url,
    )
    out = subprocess.run(
        [sys.executable, "-m", "workstation", "--env", "dev", "daily"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: no credentials for an ID token: set ")
    assert "GOOGLE_APPLICATION_CREDENTIALS" in lines[0]
    assert cloud.ticks == [] and cloud.token_requests == []


def test_daily_without_a_url_says_where_to_find_it(function_env, monkeypatch, capsys):
    monkeypatch.delenv("FUNCTION_URL", raising=False)
    assert workstation_cli.main(["--env", "dev", "daily"]) == 2
    assert "FUNCTION_URL" in capsys.readouterr().err


# --- the upload command's wiring ---------------------------------------------------------


def test_upload_runs_workstation_upload_with_its_own_arguments(monkeypatch):
    calls = []
    module = types.ModuleType("workstation.upload")
    module.add_arguments = lambda parser: parser.add_argument("--days", type=int, default=1)
    module.run = lambda settings, args: calls.append((settings.name, args.days)) or 0
    monkeypatch.setitem(sys.modules, "workstation.upload", module)
    monkeypatch.setattr(workstation, "upload", module, raising=False)  # if already imported

    assert workstation_cli.main(["--env", "dev", "upload", "--days", "3"]) == 0
    assert calls == [("dev", 3)]


@pytest.mark.spark
def test_a_batch_whose_extract_vanished_fails_so_the_next_tick_can_retry(
    small_world, tmp_path, spark, monkeypatch, capsys
):
    from tests.conftest import WORLD_START

    landing = tmp_path / "empty-landing"
    landing.mkdir()
    for name, value in small_world.subprocess_env(tmp_path / "w.duckdb").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TICKETS_LANDING", str(landing))
    monkeypatch.setattr(cli, "_spark_stopped_at_exit", _KeepSpark)

    # the batch for a day whose file is missing fails (Dataproc: FAILED -> next attempt)
    assert cli.main(["daily", "--day", WORLD_START.isoformat()]) == 1
    # a plain daily run that waits for an extract is not a failure
    assert cli.main(["daily"]) == 0
    out = capsys.readouterr().out
    assert out.count(f"daily: waiting for {WORLD_START}") == 2
