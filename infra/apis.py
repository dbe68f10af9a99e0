"""The Google APIs a stack needs, enabled as `google_project_service` resources.

APIs are never disabled on destroy: other workloads in the project may use them.
The bootstrap stack enables what Terraform state and CI identity need; the
environment stack enables the rest, so no API is managed by two states.
"""

from __future__ import annotations

from cdktn_provider_google.project_service import ProjectService
from constructs import Construct

from infra.naming import EnvNames

BOOTSTRAP_APIS = (
    "cloudquotas.googleapis.com",  # make preflight reads the regional quotas before a deploy
    "cloudresourcemanager.googleapis.com",  # project IAM, and the runner's read-only tag
    "iam.googleapis.com",  # service accounts, workload identity pools, deny policies
    "iamcredentials.googleapis.com",  # short-lived tokens for CI through WIF
    "serviceusage.googleapis.com",  # enabling the other APIs
    "storage.googleapis.com",  # Terraform state bucket
    "sts.googleapis.com",  # token exchange for GitHub OIDC
)

STACK_APIS = (
    "artifactregistry.googleapis.com",  # the function's build images
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",  # builds Cloud Functions gen2
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",  # VPC for Dataproc Serverless
    "dataproc.googleapis.com",
    "dataprocrm.googleapis.com",  # Dataproc Serverless runtime 3.0 and later require it
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "run.googleapis.com",  # Cloud Functions gen2 run on Cloud Run
)


class Apis(Construct):
    """`google_project_service` per API; `on(...)` gives resources to depend on."""

    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, apis: tuple[str, ...]):
        super().__init__(scope, id_)
        self.services = {
            api: ProjectService(
                self,
                api.split(".")[0],
                project=names.project,
                service=api,
                disable_on_destroy=False,
                disable_dependent_services=False,
            )
            for api in apis
        }

    def on(self, *short_names: str) -> list[ProjectService]:
        """The services to depend on, of those this stack enables (the rest are the
        bootstrap stack's, or missing: `make rehearse` says which)."""
        wanted = (f"{name}.googleapis.com" for name in short_names)
        return [self.services[api] for api in wanted if api in self.services]
