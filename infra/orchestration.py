"""Orchestration: the trigger function (Cloud Functions gen2) and the Cloud Scheduler job.

Each tick, Cloud Scheduler calls the function over HTTPS with an OIDC token of
its own service account (the only identity allowed to invoke it). The function
checks `ingestion_state` and submits at most one Dataproc Serverless batch
(docs/design.md); it only accepts internal traffic (Cloud Scheduler in the same
project counts as internal) and runs as its own service account. Its build
runs as a dedicated builder account that pushes to this stack's own Artifact
Registry repository — the default compute service account is never used.
"""

from __future__ import annotations

import base64
import json

from cdktn_provider_google.artifact_registry_repository import (
    ArtifactRegistryRepository,
    ArtifactRegistryRepositoryCleanupPolicies,
    ArtifactRegistryRepositoryCleanupPoliciesCondition,
    ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions,
)
from cdktn_provider_google.cloud_scheduler_job import (
    CloudSchedulerJob,
    CloudSchedulerJobHttpTarget,
    CloudSchedulerJobHttpTargetOidcToken,
    CloudSchedulerJobRetryConfig,
)
from cdktn_provider_google.cloudfunctions2_function import (
    Cloudfunctions2Function,
    Cloudfunctions2FunctionBuildConfig,
    Cloudfunctions2FunctionBuildConfigSource,
    Cloudfunctions2FunctionBuildConfigSourceStorageSource,
    Cloudfunctions2FunctionServiceConfig,
)
from cdktn_provider_google.service_account import ServiceAccount
from constructs import Construct

from functions.contract import SCHEDULER_BODY
from infra.artifacts import CodeArtifacts
from infra.naming import EnvNames

ENTRY_POINT = "tick"  # functions/main.py: the functions-framework HTTP target
FUNCTION_MEMORY = "512M"
FUNCTION_TIMEOUT_SECONDS = 120
SCHEDULER_RETRY = {"retry_count": 3, "min_backoff": "60s", "max_backoff": "600s", "doublings": 3}


def function_environment(
    names: EnvNames, artifacts: CodeArtifacts, runner_email: str
) -> dict[str, str]:
    """What the function (and the Dataproc runner in it) reads from its environment."""
    gcp = names.gcp
    return {
        "TICKETS_ENV": names.env,
        "GCP_PROJECT": gcp.project,
        "GCP_REGION": gcp.region,
        "BQ_DATASET": gcp.dataset,
        "BQ_STAGING_DATASET": names.staging_dataset,
        "LANDING_BUCKET": gcp.landing_bucket,
        "STAGING_BUCKET": gcp.staging_bucket,
        "ARTIFACTS_BUCKET": gcp.artifacts_bucket,
        "JOB_ARCHIVE_URI": artifacts.jobs_uri,
        "JOB_DEPS_URI": artifacts.deps_uri,
        "JOB_ENTRYPOINT_URI": artifacts.entrypoint_uri,
        "RUNNER_SERVICE_ACCOUNT": runner_email,
        "SUBNETWORK_URI": names.subnetwork_uri,
        "DATAPROC_RUNTIME": gcp.dataproc_runtime,
    }


class Orchestration(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: EnvNames,
        artifacts: CodeArtifacts,
        depends_on=None,
    ):
        super().__init__(scope, id_)
        gcp = names.gcp
        self.function_account = ServiceAccount(
            self,
            "function-account",
            account_id=names.account_id("function"),
            display_name=f"Tickets {names.env}: trigger function",
            description="Trigger function: reads ingestion_state, submits Dataproc batches.",
        )
        self.scheduler_account = ServiceAccount(
            self,
            "scheduler-account",
            account_id=names.account_id("scheduler"),
            display_name=f"Tickets {names.env}: scheduler",
            description="Cloud Scheduler job identity: may only invoke the trigger function.",
        )
        self.builder_account = ServiceAccount(
            self,
            "builder-account",
            account_id=names.account_id("builder"),
            display_name=f"Tickets {names.env}: function builder",
            description="Cloud Build identity of the function's builds (not a default account).",
        )
        self.repository = ArtifactRegistryRepository(
            self,
            "repository",
            repository_id=names.name("functions"),
            location=gcp.region,
            format="DOCKER",
            description="Build images of the trigger function.",
            cleanup_policies=[  # old build images go, the 5 newest always stay
                ArtifactRegistryRepositoryCleanupPolicies(
                    id="delete-old",
                    action="DELETE",
                    condition=ArtifactRegistryRepositoryCleanupPoliciesCondition(
                        tag_state="ANY", older_than=f"{30 * 24 * 3600}s"
                    ),
                ),
                ArtifactRegistryRepositoryCleanupPolicies(
                    id="keep-recent",
                    action="KEEP",
                    most_recent_versions=ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions(
                        keep_count=5
                    ),
                ),
            ],
            depends_on=depends_on,
        )
        self.environment = function_environment(names, artifacts, names.email("runner"))
        self.function = Cloudfunctions2Function(
            self,
            "function",
            name=names.function_name,
            location=gcp.region,
            description="Daily tick: submits the next pending day as a Dataproc Serverless batch.",
            build_config=Cloudfunctions2FunctionBuildConfig(
                runtime=gcp.function_runtime,
                entry_point=ENTRY_POINT,
                source=Cloudfunctions2FunctionBuildConfigSource(
                    storage_source=Cloudfunctions2FunctionBuildConfigSourceStorageSource(
                        bucket=artifacts.function_source.bucket,
                        object=artifacts.function_source.name,
                    )
                ),
                service_account=self.builder_account.id,
                docker_repository=self.repository.id,
            ),
            service_config=Cloudfunctions2FunctionServiceConfig(
                service_account_email=self.function_account.email,
                ingress_settings="ALLOW_INTERNAL_ONLY",
                all_traffic_on_latest_revision=True,
                available_memory=FUNCTION_MEMORY,
                timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
                min_instance_count=0,
                max_instance_count=1,  # ticks never run side by side
                environment_variables=self.environment,
            ),
            depends_on=depends_on,
        )
        self.url = self.function.service_config.uri
        self.job = CloudSchedulerJob(
            self,
            "scheduler",
            name=names.scheduler_job,
            region=gcp.region,
            description="Daily tick of the ticket pipeline.",
            schedule=gcp.schedule,
            time_zone=gcp.schedule_time_zone,
            attempt_deadline=f"{FUNCTION_TIMEOUT_SECONDS + 60}s",
            retry_config=CloudSchedulerJobRetryConfig(
                retry_count=SCHEDULER_RETRY["retry_count"],
                min_backoff_duration=SCHEDULER_RETRY["min_backoff"],
                max_backoff_duration=SCHEDULER_RETRY["max_backoff"],
                max_doublings=SCHEDULER_RETRY["doublings"],
            ),
            http_target=CloudSchedulerJobHttpTarget(
                uri=self.url,
                http_method="POST",
                headers={"Content-Type": "application/json"},
                body=base64.b64encode(json.dumps(SCHEDULER_BODY).encode()).decode(),
                oidc_token=CloudSchedulerJobHttpTargetOidcToken(
                    service_account_email=self.scheduler_account.email,
                    audience=self.url,
                ),
            ),
            depends_on=depends_on,
        )
