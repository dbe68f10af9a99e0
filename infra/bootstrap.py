"""Bootstrap stack, applied once per environment by a project owner (`make bootstrap ENV=...`).

It creates what the environment stack and CI stand on:

- the Terraform state bucket (versioned, uniform access, public access
  prevention, old state versions pruned, never destroyed by Terraform);
- a Workload Identity pool and GitHub OIDC provider that only accepts tokens
  of the configured repository, pinned by its numeric id and its owner's
  (`github_repository_id`, `github_repository_owner_id`): a repository deleted
  and re-created under the same name by someone else is not trusted;
- the plan-only service account CI impersonates for `terraform plan`: read-only
  predefined roles on the project (no primitive roles), read access to the
  state objects, and nothing that can change a resource;
- the tag that makes a bucket read-only to the batch runner, on the state bucket,
  and the deny policy behind it (infra/confinement.py): the project owner applying
  this stack also needs roles/iam.denyAdmin, which Google grants on the organization.

Its own state starts local (the bucket does not exist yet) and is then moved
into the bucket under `bootstrap/<env>` (infra/terraform.py does both steps).
"""

from __future__ import annotations

from cdktn import GcsBackend, LocalBackend, TerraformOutput, TerraformResourceLifecycle
from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import (
    IamWorkloadIdentityPoolProvider,
    IamWorkloadIdentityPoolProviderOidc,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from infra.apis import BOOTSTRAP_APIS, Apis
from infra.base import Stack, google_provider
from infra.confinement import ReadOnlyForRunner
from infra.naming import EnvNames
from infra.storage import delete_after, secure_bucket

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
STATE_VERSIONS_KEPT = 20

# Read-only predefined roles that `terraform plan` needs to refresh every resource type
# of the environment stack (CI plans only that one). Together they stand in for the
# primitive roles/viewer; `make rehearse` checks them against the read permission of each
# resource type the stack declares (rehearsal/refresh_permissions.toml).
PLAN_ROLES = (
    "roles/iam.securityReviewer",  # IAM policies of the project and its resources
    "roles/iam.serviceAccountViewer",
    "roles/iam.roleViewer",  # the custom batch-submitter role
    "roles/iam.workloadIdentityPoolViewer",
    "roles/serviceusage.serviceUsageViewer",
    "roles/storage.bucketViewer",  # bucket metadata, not objects
    "roles/bigquery.metadataViewer",  # datasets and table schemas, not rows
    "roles/cloudfunctions.viewer",
    "roles/run.viewer",
    "roles/cloudscheduler.viewer",
    "roles/compute.networkViewer",
    "roles/monitoring.viewer",
    "roles/logging.viewer",  # the log-based metric (logging.logMetrics.get)
    "roles/resourcemanager.tagViewer",  # the read-only tag and its binding
    "roles/artifactregistry.reader",
)

BOOTSTRAP_STATE_DIR = "../../../.bootstrap-state"  # relative to infra/cdktf.out/stacks/<stack>/


def github_condition(repository: str, repository_id: str, owner_id: str) -> str:
    """Only this repository's pull requests and its main branch may obtain tokens.

    Names can be taken over (a deleted repository's name is free again); the numeric ids
    GitHub puts in its tokens cannot, so the condition checks both.
    """
    subjects = (f"repo:{repository}:pull_request", f"repo:{repository}:ref:refs/heads/main")
    allowed = " || ".join(f'assertion.sub == "{subject}"' for subject in subjects)
    return (
        f'assertion.repository_id == "{repository_id}" && '
        f'assertion.repository_owner_id == "{owner_id}" && ({allowed})'
    )


class BootstrapStack(Stack):
    def __init__(self, scope: Construct, names: EnvNames, *, local_state: bool = False):
        super().__init__(scope, names.bootstrap_stack)
        gcp = names.gcp
        google_provider(self, names)
        if local_state:
            LocalBackend(self, path=f"{BOOTSTRAP_STATE_DIR}/{names.env}.tfstate")
        else:
            GcsBackend(self, bucket=gcp.state_bucket, prefix=names.bootstrap_state_prefix)

        apis = Apis(self, "apis", names=names, apis=BOOTSTRAP_APIS)
        self.state_bucket = secure_bucket(
            self,
            "state-bucket",
            name=gcp.state_bucket,
            location=gcp.region,
            rules=[delete_after(num_newer_versions=STATE_VERSIONS_KEPT, with_state="ARCHIVED")],
            force_destroy=False,
            depends_on=apis.on("storage"),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        ReadOnlyForRunner(
            self,
            "runner-read-only",
            names=names,
            state_bucket=self.state_bucket,
            depends_on=apis.on("cloudresourcemanager", "iam"),
        )
        pool = IamWorkloadIdentityPool(
            self,
            "github-pool",
            workload_identity_pool_id=names.workload_identity_pool,
            display_name=f"GitHub Actions ({names.env})",
            description=f"CI of {gcp.github_repository}",
            depends_on=apis.on("iam", "sts", "iamcredentials"),
        )
        provider = IamWorkloadIdentityPoolProvider(
            self,
            "github-provider",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id="github-actions",
            display_name="GitHub Actions OIDC",
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.repository_id": "assertion.repository_id",
                "attribute.ref": "assertion.ref",
                "attribute.event_name": "assertion.event_name",
            },
            attribute_condition=github_condition(
                gcp.github_repository, gcp.github_repository_id, gcp.github_repository_owner_id
            ),
            oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_ISSUER),
        )
        plan = ServiceAccount(
            self,
            "plan-account",
            account_id=names.account_id("plan"),
            display_name=f"Tickets {names.env}: CI terraform plan (read-only)",
            description="Impersonated by GitHub Actions through Workload Identity Federation.",
            depends_on=apis.on("iam"),
        )
        member = names.member("plan")
        for role in PLAN_ROLES:
            ProjectIamMember(
                self,
                f"plan-project-{role.removeprefix('roles/').replace('.', '-')}",
                project=names.project,
                role=role,
                member=member,
                depends_on=[plan],
            )
        StorageBucketIamMember(
            self,
            "plan-state-reader",
            bucket=self.state_bucket.name,
            role="roles/storage.objectViewer",
            member=member,
            depends_on=[plan],
        )
        ServiceAccountIamMember(
            self,
            "plan-workload-identity-user",
            service_account_id=plan.name,
            role="roles/iam.workloadIdentityUser",
            member=(
                f"principalSet://iam.googleapis.com/{pool.name}"
                f"/attribute.repository_id/{gcp.github_repository_id}"
            ),
        )
        outputs = {
            "state_bucket": self.state_bucket.name,
            "workload_identity_provider": provider.name,
            "plan_service_account": plan.email,
        }
        for key, value in outputs.items():
            TerraformOutput(self, key, value=value, static_id=True)
