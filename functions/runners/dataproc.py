"""Starts the job as a Dataproc Serverless PySpark batch (docs/design.md).

The trigger function calls `start(day)` once per tick; `make backfill ENV=<cloud env>`
calls `submit_backfill(first, last)` and `make replay ENV=<cloud env>`
`submit_replay(first, …)`. Each builds one `google.cloud.dataproc_v1.Batch` that runs
the packaged job (`dataproc_main.py` + the jobs archive, named by content hash)
with the batch CLI's arguments (jobs/cli.py) for exactly that day or range, as
the runner service account, in the environment's subnetwork.

Cloud Scheduler delivers at least once, so the batch id is deterministic per
environment, day and attempt (`tickets-dev-20251101-a1`): a repeated tick asks
Dataproc to create a batch that already exists, which Dataproc refuses, and the
runner then reports the existing batch instead of starting a second one. Only
when that batch ended without success (FAILED, CANCELLED) does the next attempt
(`-a2`, ...) start, at most `MAX_ATTEMPTS` per day. Even two batches for one day
could not double-count: the warehouse commit refuses a day that already
succeeded.

What the function's environment provides (infra/orchestration.py
`function_environment`): `JOB_ENTRYPOINT_URI`, `JOB_ARCHIVE_URI`, `JOB_DEPS_URI`,
`RUNNER_SERVICE_ACCOUNT`, `SUBNETWORK_URI`, `DATAPROC_RUNTIME`. On a laptop
(`make backfill ENV=dev`) the two code URIs default to the objects named in
`dist/<env>/manifest.json` (written by `make package` / `make deploy`), and the
account and subnetwork to the names infra gives them. `DATAPROC_API_ENDPOINT`
points the client at another endpoint over REST with anonymous credentials
(the tests' local fake of the Dataproc API), like `STORAGE_EMULATOR_HOST`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobs.config import BATCH_CORES, REPO_ROOT, Settings
from jobs.landing import FileIdentity

if TYPE_CHECKING:
    from google.cloud import dataproc_v1

log = logging.getLogger(__name__)

# The labels every resource of the environment carries; must equal infra/naming.py
# `EnvNames.labels` (the function package does not ship infra/, so they are restated
# here and tests/functions/test_dataproc_runner.py checks that the two agree).
APP = "ops-tickets"
MANAGED_BY = "cdktn"
BATCH_PREFIX = "tickets"
MAX_ATTEMPTS = 5
# Dataproc batch ids: 4-63 characters of lowercase letters, digits and hyphens.
BATCH_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,61}[a-z0-9]")
ENDPOINT_VARIABLE = "DATAPROC_API_ENDPOINT"
DIST = REPO_ROOT / "dist"  # tools/package.py writes dist/<env>/manifest.json here

# Batch sizing. A day's extract is a few MB and a backfill of ten months about
# 100 MB: the smallest shapes Dataproc Serverless offers are plenty, and the bill
# is per DCU-second, so every knob is at or near its floor.
SPARK_PROPERTIES = {
    # 4 cores is the smallest driver and executor Serverless allows (4, 8 or 16).
    "spark.driver.cores": str(BATCH_CORES),
    "spark.executor.cores": str(BATCH_CORES),
    # Start with the minimum of two executors; dynamic allocation may add up to the
    # environment's bounds (env/<name>/config.toml), never the default of up to 1000.
    "spark.executor.instances": "2",
    "spark.dynamicAllocation.initialExecutors": "2",
    "spark.dynamicAllocation.minExecutors": "2",
    # What jobs/spark.py sets on a local session; on Dataproc the session comes
    # from spark-submit, so they are batch properties. Timestamps are UTC in the
    # contract, the few rows the driver does collect come as Arrow, and PySpark does
    # not record the Python call site of every DataFrame call.
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.python.sql.dataFrameDebugging.enabled": "false",
}
# Dataproc ends a batch that runs longer than its ttl (default 4 h): a stuck day costs an hour.
DAILY_TTL_SECONDS = 3600
BACKFILL_TTL_SECONDS = 4 * 3600
# The Dataproc states after which the same batch id will never succeed.
RETRYABLE = {"FAILED", "CANCELLED"}


class RunnerConfigError(RuntimeError):
    """Something the batch needs (a code URI, the runner account) is not configured."""


class AttemptsExhausted(RuntimeError):
    """Every allowed attempt for the day already ran and failed."""


def labels(settings: Settings) -> dict[str, str]:
    """Resource labels of the environment (the same values as infra/naming.py)."""
    env = re.sub(r"[^a-z0-9_-]", "-", settings.name.lower())[:63]
    return {"env": env, "app": APP, "managed-by": MANAGED_BY}


def batch_id(settings: Settings, key: str, attempt: int) -> str:
    """`tickets-<env>-<key>-a<attempt>`, checked against Dataproc's rule for ids."""
    candidate = f"{BATCH_PREFIX}-{_id_env(settings.name)}-{key}-a{attempt}"
    if not BATCH_ID.fullmatch(candidate):
        raise RunnerConfigError(
            f"batch id {candidate!r} breaks Dataproc's rule (4-63 characters of a-z, 0-9 "
            "and '-'): use a shorter environment name"
        )
    return candidate


def batch_id_pattern(env_name: str) -> str:
    """An RE2 expression that matches the batch ids of environment `env_name` and no other's
    (the batch-failure alert filters on it: infra/monitoring.py)."""
    keys = "[0-9]{8}|backfill-[0-9]{8}-[0-9]{8}|replay-[0-9]{8}-[0-9a-f]{8}"
    return f"^{BATCH_PREFIX}-{_id_env(env_name)}-({keys})-a[0-9]+$"


def _id_env(env_name: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", env_name.lower())


def day_key(day: dt.date) -> str:
    return f"{day:%Y%m%d}"


def backfill_key(first: dt.date, last: dt.date) -> str:
    return f"backfill-{first:%Y%m%d}-{last:%Y%m%d}"


def replay_key(first: dt.date, landed: str) -> str:
    """`landed` fingerprints the files the replay will read: replaying the same correction
    twice finds the first batch, a later correction gets a batch of its own."""
    return f"replay-{first:%Y%m%d}-{landed}"


def landed_fingerprint(identities: Mapping[dt.date, FileIdentity], first: dt.date) -> str:
    """Eight hex digits over the identities of the extracts from `first` on."""
    text = ";".join(f"{d}:{i.size}:{i.crc32c}" for d, i in sorted(identities.items()) if d >= first)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class DataprocRunner:
    """The `Runner` of cloud environments: one Dataproc Serverless batch per day."""

    def __init__(
        self,
        settings: Settings,
        client: Any = None,
        environ: Mapping[str, str] | None = None,
    ):
        if settings.gcp is None:
            raise RunnerConfigError(f"environment {settings.name!r} is not a gcp environment")
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self._client = client

    # --- the Runner protocol ------------------------------------------------------------

    def start(self, day: dt.date) -> dict:
        """Submit the daily batch for `day` (or report the one already submitted)."""
        args = ["--env", self.settings.name, "daily", "--day", day.isoformat()]
        executors = self.settings.gcp.batch_daily_max_executors
        result = self._submit(day_key(day), args, executors, DAILY_TTL_SECONDS)
        return {**result, "business_date": day.isoformat()}

    def submit_replay(self, first: dt.date, landed: str, only: bool = False) -> dict:
        """Submit one batch that replays from `first` (`make replay FROM=… ENV=<cloud env>`),
        or only that day; `landed` is the `landed_fingerprint` of the files it will read."""
        option = "--date" if only else "--from"
        args = ["--env", self.settings.name, "replay", option, first.isoformat()]
        result = self._submit(
            replay_key(first, landed), args, self._backfill_executors, BACKFILL_TTL_SECONDS
        )
        return {**result, "days": f"{first}" if only else f"{first}..the last processed day"}

    def submit_backfill(self, first: dt.date, last: dt.date) -> dict:
        """Submit one batch that backfills first..last (`make backfill ENV=<cloud env>`)."""
        if first > last:
            raise ValueError(f"backfill range is empty: {first} is after {last}")
        args = [
            "--env", self.settings.name,
            "backfill", "--from", first.isoformat(), "--to", last.isoformat(),
        ]  # fmt: skip
        result = self._submit(
            backfill_key(first, last), args, self._backfill_executors, BACKFILL_TTL_SECONDS
        )
        return {**result, "days": f"{first}..{last}"}

    # --- building the batch -------------------------------------------------------------

    @property
    def _backfill_executors(self) -> int:
        """A backfill's or replay's bound: months in one job may scale out."""
        return self.settings.gcp.batch_backfill_max_executors

    @property
    def parent(self) -> str:
        gcp = self.settings.gcp
        return f"projects/{gcp.project}/locations/{gcp.region}"

    def build_batch(
        self, args: list[str], batch_id: str, max_executors: int, ttl_seconds: int
    ) -> dataproc_v1.Batch:
        """The batch request: code, arguments, runtime, network, identity, labels."""
        from google.cloud import dataproc_v1
        from google.protobuf import duration_pb2

        SERVICE_ACCOUNT = dataproc_v1.AuthenticationConfig.AuthenticationType.SERVICE_ACCOUNT

        gcp = self.settings.gcp
        properties = {
            **SPARK_PROPERTIES,
            # The environment's sizing, from the bench (env/<name>/config.toml): below the
            # runtime's defaults, which bill for memory the job does not use.
            "spark.driver.memory": gcp.batch_driver_memory,
            "spark.driver.memoryOverhead": gcp.batch_driver_memory_overhead,
            "spark.executor.memory": gcp.batch_executor_memory,
            "spark.executor.memoryOverhead": gcp.batch_executor_memory_overhead,
            "spark.dynamicAllocation.maxExecutors": str(max_executors),
            # The job selects its environment (env/<name>/config.toml in the archive)
            # and stamps ingestion_state and its log lines with the batch id.
            "spark.dataproc.driverEnv.TICKETS_ENV": self.settings.name,
            "spark.dataproc.driverEnv.TICKETS_BATCH_ID": batch_id,
        }
        return dataproc_v1.Batch(
            pyspark_batch=dataproc_v1.PySparkBatch(
                main_python_file_uri=self._code_uri("JOB_ENTRYPOINT_URI", "entrypoint"),
                python_file_uris=[
                    self._code_uri("JOB_ARCHIVE_URI", "jobs"),
                    self._code_uri("JOB_DEPS_URI", "deps"),  # what runtime 3.0 lacks
                ],
                args=list(args),
            ),
            runtime_config=dataproc_v1.RuntimeConfig(
                version=self.environ.get("DATAPROC_RUNTIME") or self.settings.gcp.dataproc_runtime,
                properties=properties,
            ),
            environment_config=dataproc_v1.EnvironmentConfig(
                execution_config=dataproc_v1.ExecutionConfig(
                    service_account=self._service_account(),
                    subnetwork_uri=self._subnetwork_uri(),
                    # Runtime 3.0 and later run a batch with its submitter's credentials
                    # unless told otherwise: the job must act as the runner account, which
                    # holds the grants, not as the function that submitted it. (3.0 uses no
                    # Cloud Storage staging bucket, so none is set.)
                    authentication_config=dataproc_v1.AuthenticationConfig(
                        user_workload_authentication_type=SERVICE_ACCOUNT
                    ),
                    ttl=duration_pb2.Duration(seconds=ttl_seconds),
                )
            ),
            labels=labels(self.settings),
        )

    def _code_uri(self, variable: str, kind: str) -> str:
        value = self.environ.get(variable)
        if value:
            return value
        manifest = DIST / self.settings.name / "manifest.json"
        if manifest.is_file():
            entry = json.loads(manifest.read_text(encoding="utf-8"))[kind]
            return f"gs://{self.settings.gcp.artifacts_bucket}/{entry['object_name']}"
        raise RunnerConfigError(
            f"{variable} is not set and {_relative(manifest)} does not exist: the batch needs "
            f"the deployed code (run 'make deploy ENV={self.settings.name}', or set {variable})"
        )

    def _service_account(self) -> str:
        # infra/naming.py: account id tickets-<env>-runner in the environment's project
        default = f"{BATCH_PREFIX}-{self.settings.name}-runner@{self.settings.gcp.project}"
        return self.environ.get("RUNNER_SERVICE_ACCOUNT") or f"{default}.iam.gserviceaccount.com"

    def _subnetwork_uri(self) -> str:
        # infra/naming.py: subnetwork tickets-<env>-dataproc in the environment's region
        gcp = self.settings.gcp
        return self.environ.get("SUBNETWORK_URI") or (
            f"projects/{gcp.project}/regions/{gcp.region}/subnetworks/"
            f"{BATCH_PREFIX}-{self.settings.name}-dataproc"
        )

    # --- submitting ---------------------------------------------------------------------

    @property
    def client(self):
        """The BatchControllerClient, created on first use (importing this module is free)."""
        if self._client is None:
            self._client = _new_client(self.settings.gcp.region, self.environ)
        return self._client

    def _submit(self, key: str, args: list[str], max_executors: int, ttl_seconds: int) -> dict:
        from google.api_core import exceptions

        for attempt in range(1, MAX_ATTEMPTS + 1):
            ident = batch_id(self.settings, key, attempt)
            batch = self.build_batch(args, ident, max_executors, ttl_seconds)
            try:
                self.client.create_batch(parent=self.parent, batch=batch, batch_id=ident)
            except exceptions.Conflict as exc:
                # gRPC says ALREADY_EXISTS (AlreadyExists); REST says HTTP 409, which
                # google-api-core raises as Conflict, AlreadyExists' parent. Either way
                # the batch's own state decides. (ABORTED is also a 409 over gRPC.)
                if isinstance(exc, exceptions.Aborted):
                    raise
                state = self._state(ident)
                if state in RETRYABLE:
                    log.info(
                        "batch %s ended %s; trying attempt %d",
                        ident, state, attempt + 1, extra={"batch_id": ident},
                    )  # fmt: skip
                    continue
                log.info("batch %s already submitted (%s)", ident, state, extra={"batch_id": ident})
                return {"status": "already_submitted", "batch_id": ident, "state": state}
            log.info("submitted batch %s: %s", ident, " ".join(args), extra={"batch_id": ident})
            return {"status": "submitted", "batch_id": ident}
        raise AttemptsExhausted(
            f"{MAX_ATTEMPTS} batches for {key} ({batch_id(self.settings, key, 1)} .. "
            f"-a{MAX_ATTEMPTS}) all failed or were cancelled; see their driver logs, fix the "
            "cause, and delete the failed batches (gcloud dataproc batches delete) to retry"
        )

    def _state(self, ident: str) -> str:
        batch = self.client.get_batch(name=f"{self.parent}/batches/{ident}")
        return type(batch).State(batch.state).name


def from_settings(settings: Settings) -> DataprocRunner:
    return DataprocRunner(settings)


def _new_client(region: str, environ: Mapping[str, str]):
    from google.cloud import dataproc_v1

    endpoint = environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        if "://" not in endpoint:
            endpoint = f"http://{endpoint}"  # an emulator, like STORAGE_EMULATOR_HOST
        return dataproc_v1.BatchControllerClient(
            transport="rest",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": endpoint},
        )
    return dataproc_v1.BatchControllerClient(
        client_options={"api_endpoint": f"{region}-dataproc.googleapis.com:443"}
    )


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
