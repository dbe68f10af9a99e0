"""Who may do what: every role grant of the environment stack, in one table.

Separate identities for the function, the batch runner, the scheduler, the
function's builds and the people who operate the environment (`operators` in
the config); each gets the least roles it needs, granted on the narrowest
resource that works (a table, a dataset, a bucket, a service account, the
function's service). Project-level grants are kept to roles that exist only at
project level (running BigQuery jobs, Dataproc workers, writing build logs)
plus one custom role that can only submit and read batches. No primitive
roles, no public members. tests/infra asserts this exact table against the
synthesized stack, and `make rehearse` checks every API call the deployed
components make against it (rehearsal/iam_contract.py), so a grant is added
or removed with evidence.

Google's service agents (`agent:<key>`, infra/naming.py SERVICE_AGENTS) are
identities here too: the stack creates them ahead of use, so it grants their roles.

Note: roles/dataproc.worker (required by Dataproc Serverless) itself carries
project-wide object writes on Cloud Storage; the deny policy of infra/confinement.py
takes them back on the landing, artifacts and state buckets, and the bucket grants
below state the intent and keep working if that role is ever narrowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.artifact_registry_repository_iam_member import (
    ArtifactRegistryRepositoryIamMember,
)
from cdktn_provider_google.bigquery_dataset_iam_member import BigqueryDatasetIamMember
from cdktn_provider_google.bigquery_table_iam_member import BigqueryTableIamMember
from cdktn_provider_google.cloud_run_v2_service_iam_member import CloudRunV2ServiceIamMember
from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktn_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from infra.naming import AGENT, SERVICE_AGENTS, EnvNames

# What submitting a day's batch takes: create it, and read the state of one that exists.
# No dataprocrm.* permission: on runtime 3.0 the Resource Manager workload is created by
# Dataproc's service agent, whose role holds dataprocrm.workloads.* (a declared
# requirement, rehearsal/control_plane.toml), and Google documents no check of it on the
# caller ("Serverless for Apache Spark permissions and IAM roles",
# https://cloud.google.com/dataproc-serverless/docs/concepts/iam, read 2026-12-07).
# roles/dataproc.serverlessEditor bundles them for workloads that run with the user's own
# credentials, runtime 3.0's default, which the runner overrides (SERVICE_ACCOUNT).
BATCH_SUBMITTER_PERMISSIONS = (
    "dataproc.batches.create",
    "dataproc.batches.get",
)


@dataclass(frozen=True)
class Grant:
    who: str  # runner | function | scheduler | builder | plan (naming.ACCOUNTS) | operator
    #           | agent:<key> (naming.SERVICE_AGENTS)
    scope: str  # project | bucket:<key> | dataset:<main|staging> | table:<name>
    #             | account:<who> | run:function | repository:functions
    role: str  # a predefined role, or custom:batch_submitter
    why: str
    condition: str | None = None  # an IAM condition expression narrowing a project grant


# Cloud Functions stages each build's source in buckets of its own, which Terraform does not
# manage: the builder may read objects there and nowhere else. The condition Google gives
# for a custom build service account ("Build process overview", Grant permissions,
# https://cloud.google.com/functions/docs/building, last updated 2026-04-08, read 2026-12-07).
GCF_SOURCE_PREFIXES = ("gcf-v2-sources-", "gcf-v2-uploads-", "run-sources-")
_STARTS = 'resource.name.startsWith("projects/_/buckets/{}")'
GCF_SOURCES = (
    '(resource.type == "storage.googleapis.com/Object" && ('
    + " || ".join(_STARTS.format(prefix) for prefix in GCF_SOURCE_PREFIXES)
    + "))"
)


G = Grant
# fmt: off
GRANTS: tuple[Grant, ...] = (
    # the Dataproc Serverless batches
    G("runner", "project", "roles/dataproc.worker", "run Dataproc Serverless workloads"),
    G("runner", "project", "roles/bigquery.jobUser", "load and query jobs (project-scoped)"),
    G("runner", "dataset:main", "roles/bigquery.dataEditor", "read and commit the tables"),
    G("runner", "dataset:staging", "roles/bigquery.dataEditor", "per-run staging tables"),
    G("runner", "bucket:landing", "roles/storage.objectViewer", "read the day's extract"),
    G("runner", "bucket:staging", "roles/storage.objectUser", "write and clean commit staging"),
    G("runner", "bucket:artifacts", "roles/storage.objectViewer", "read the jobs archive"),
    # the trigger function
    G("function", "project", "roles/bigquery.jobUser", "query ingestion_state"),
    G("function", "project", "custom:batch_submitter", "submit and read batches, nothing else"),
    G("function", "table:ingestion_state", "roles/bigquery.dataViewer", "processed days"),
    G("function", "bucket:landing", "roles/storage.objectViewer", "has the next extract landed?"),
    G("function", "account:runner", "roles/iam.serviceAccountUser", "start batches as the runner"),
    # Cloud Scheduler
    G("scheduler", "run:function", "roles/run.invoker", "invoke the function, nothing else"),
    # the function's builds
    G("builder", "project", "roles/logging.logWriter", "write build logs"),
    G("builder", "repository:functions", "roles/artifactregistry.writer", "push the image"),
    G("builder", "bucket:artifacts", "roles/storage.objectViewer", "read the function source"),
    G("builder", "project", "roles/storage.objectViewer", "read the staged source", GCF_SOURCES),
    # CI plans (the account is created by the bootstrap stack)
    G("plan", "bucket:artifacts", "roles/storage.objectViewer", "refresh the code objects"),
    # the people who operate the environment (make upload, status, backfill)
    G("operator", "bucket:landing", "roles/storage.objectUser", "upload and replace extracts"),
    G("operator", "project", "roles/bigquery.jobUser", "query ingestion_state"),
    G("operator", "table:ingestion_state", "roles/bigquery.dataViewer", "processed days"),
    G("operator", "project", "custom:batch_submitter", "submit backfill batches"),
    G("operator", "account:runner", "roles/iam.serviceAccountUser", "batches run as the runner"),
    G("operator", "project", "roles/cloudquotas.viewer", "make preflight reads regional quotas"),
    # Google's service agents, created by the stack (infra/service_agents.py): their roles
    *(G(f"{AGENT}{key}", "project", a.role, a.does) for key, a in SERVICE_AGENTS.items()),
)
# fmt: on


def _slug(text: str) -> str:
    return (
        text.replace("roles/", "")
        .replace("custom:", "")
        .replace(".", "-")
        .replace(":", "-")
        .replace("_", "-")
    )


class AccessGrants(Construct):
    """One IAM member resource per `Grant` and member, resolved against the stack's resources."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: EnvNames,
        accounts: dict,  # who -> ServiceAccount (plan: None, it is in the bootstrap stack)
        buckets: dict,
        datasets: dict,
        tables: dict,
        run_service,  # Cloudfunctions2Function
        repository,  # ArtifactRegistryRepository
        agents: dict,  # agent:<key> -> GoogleProjectServiceIdentity
        project_number: str,  # the project's number (a data source's token)
        grants: tuple[Grant, ...] = GRANTS,
    ):
        super().__init__(scope, id_)
        self.names = names
        self.accounts, self.buckets, self.datasets, self.tables = (
            accounts,
            buckets,
            datasets,
            tables,
        )
        self.run_service, self.repository = run_service, repository
        self.agents = agents
        self.custom_role = ProjectIamCustomRole(
            self,
            "batch-submitter",
            project=names.project,
            role_id=names.batch_submitter_role,
            title=f"Tickets {names.env}: Dataproc batch submitter",
            description="Create and read Dataproc Serverless batches (the function, operators).",
            permissions=list(BATCH_SUBMITTER_PERMISSIONS),
        )
        self.custom_roles = {
            "custom:batch_submitter": f"projects/{names.project}/roles/{names.batch_submitter_role}"
        }
        self.by_account: dict[str, list] = {}
        for grant in grants:
            for index, member in enumerate(names.members(grant.who, project_number)):
                rid = f"{_slug(grant.who)}-{_slug(grant.scope)}-{_slug(grant.role)}"
                if grant.condition:
                    rid += "-gcf-sources"
                resource = self._member(grant, member, rid + (f"-{index}" if index else ""))
                self.by_account.setdefault(grant.who, []).append(resource)

    def _member(self, grant: Grant, member: str, rid: str):
        names = self.names
        role = self.custom_roles.get(grant.role, grant.role)
        depends = [
            a
            for a in (
                self.accounts.get(grant.who) or self.agents.get(grant.who),
                self.custom_role if grant.role in self.custom_roles else None,
            )
            if a
        ]
        common = {"role": role, "member": member, "depends_on": depends or None}
        if grant.condition:
            common["condition"] = ProjectIamMemberCondition(
                title="Cloud Functions source buckets only",
                description=grant.why,
                expression=grant.condition,
            )
        kind, _, target = grant.scope.partition(":")
        if kind == "project":
            return ProjectIamMember(self, rid, project=names.project, **common)
        if kind == "bucket":
            return StorageBucketIamMember(self, rid, bucket=self.buckets[target].name, **common)
        if kind == "dataset":
            dataset = self.datasets[target]
            return BigqueryDatasetIamMember(self, rid, dataset_id=dataset.dataset_id, **common)
        if kind == "table":
            table = self.tables[target]
            return BigqueryTableIamMember(
                self, rid, dataset_id=table.dataset_id, table_id=table.table_id, **common
            )
        if kind == "account":
            account = self.accounts[target]
            return ServiceAccountIamMember(self, rid, service_account_id=account.name, **common)
        if kind == "run":
            return CloudRunV2ServiceIamMember(
                self, rid, location=names.region, name=self.run_service.name, **common
            )
        if kind == "repository":
            return ArtifactRegistryRepositoryIamMember(
                self,
                rid,
                location=self.repository.location,
                repository=self.repository.repository_id,
                **common,
            )
        raise ValueError(f"unknown grant scope {grant.scope!r}")  # a typo in GRANTS
