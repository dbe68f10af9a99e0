"""One environment's stack: composes the constructs from its config alone.

Stacks differ only by configuration: everything below reads `names` (derived
from env/<name>/config.toml) and the packaged code's manifest.
"""

from __future__ import annotations

from cdktn import GcsBackend, TerraformOutput
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_time.provider import TimeProvider
from cdktn_provider_time.sleep import Sleep
from constructs import Construct

from infra.apis import STACK_APIS, Apis
from infra.artifacts import CodeArtifacts
from infra.base import Stack, google_provider
from infra.compute import BatchCompute
from infra.confinement import tag_read_only
from infra.datasets import Datasets
from infra.iam import AccessGrants
from infra.monitoring import Monitoring
from infra.naming import AGENT, EnvNames
from infra.orchestration import Orchestration
from infra.service_agents import ServiceAgents
from infra.storage import Storage
from tools.package import Manifest

# IAM grants take effect within a minute or two of being written, not at once: the
# function's first build waits this long after its builder's grants (Google's guidance
# on IAM propagation: typically under 60 s, up to 7 minutes for a new grant).
IAM_PROPAGATION = "120s"


class EnvStack(Stack):
    def __init__(self, scope: Construct, names: EnvNames, manifest: Manifest):
        super().__init__(scope, names.stack)
        gcp = names.gcp
        google_provider(self, names)
        TimeProvider(self, "time")
        GcsBackend(self, bucket=gcp.state_bucket, prefix=names.state_prefix)

        apis = Apis(self, "apis", names=names, apis=STACK_APIS)
        self.agents = ServiceAgents(
            self,
            "agents",
            names=names,
            depends_on=apis.on("cloudscheduler", "dataproc", "dataprocrm"),
        )
        self.storage = Storage(self, "storage", names=names)
        # The construct keeps the id "warehouse": the Terraform addresses of deployed tables
        # (google_bigquery_table.warehouse_*) must not change.
        self.datasets = Datasets(self, "warehouse", names=names, depends_on=apis.on("bigquery"))
        self.compute = BatchCompute(self, "compute", names=names, depends_on=apis.on("compute"))
        self.artifacts = CodeArtifacts(
            self,
            "code",
            manifest=manifest,
            bucket=self.storage.artifacts,
            bucket_name=gcp.artifacts_bucket,
        )
        function_apis = apis.on(
            "cloudfunctions", "run", "cloudbuild", "artifactregistry", "cloudscheduler"
        )
        self.orchestration = Orchestration(
            self,
            "orchestration",
            names=names,
            artifacts=self.artifacts,
            depends_on=function_apis,
        )
        orch = self.orchestration
        self.iam = AccessGrants(
            self,
            "iam",
            names=names,
            accounts={
                "runner": self.compute.runner,
                "function": orch.function_account,
                "scheduler": orch.scheduler_account,
                "builder": orch.builder_account,
                "plan": None,
            },
            buckets=self.storage.buckets,
            datasets={"main": self.datasets.dataset, "staging": self.datasets.staging_dataset},
            tables=self.datasets.tables,
            run_service=orch.function,
            repository=orch.repository,
            agents=self.agents.identities,
            project_number=DataGoogleProject(self, "project", project_id=names.project).number,
        )
        # The extracts and the code the batches run are read-only to them (the bootstrap
        # stack's deny policy): a batch writes only staging and the warehouse.
        tag_read_only(self, [self.storage.landing, self.storage.artifacts], names=names)
        # The function's first build needs its builder's grants in force, and its first
        # tick the Scheduler's agent with its role. (An override added after construction,
        # named as `type.logical_id`; it extends the function's depends_on list.)
        agent_grants = [g for who, gs in self.iam.by_account.items() if who.startswith(AGENT)
                        for g in gs]  # fmt: skip
        propagated = Sleep(
            self,
            "iam-propagation",
            create_duration=IAM_PROPAGATION,
            depends_on=[*self.iam.by_account["builder"], *agent_grants],
        )
        orch.function.add_override("depends_on", [_address(propagated)])
        self.monitoring = Monitoring(
            self, "monitoring", names=names, depends_on=apis.on("monitoring", "logging")
        )
        self._outputs(names)

    def _outputs(self, names: EnvNames) -> None:
        gcp = names.gcp
        orch = self.orchestration
        values = {
            "landing_bucket": self.storage.landing.name,
            "artifacts_bucket": self.storage.artifacts.name,
            "staging_bucket": self.storage.staging.name,
            "dataset": self.datasets.dataset.dataset_id,
            "staging_dataset": self.datasets.staging_dataset.dataset_id,
            "function_name": orch.function.name,
            "function_url": orch.url,
            "scheduler_job": orch.job.name,
            "function_service_account": orch.function_account.email,
            "runner_service_account": self.compute.runner.email,
            "scheduler_service_account": orch.scheduler_account.email,
            "builder_service_account": orch.builder_account.email,
            "subnetwork": self.compute.subnetwork.id,
            "job_archive_uri": self.artifacts.jobs_uri,
            "job_deps_uri": self.artifacts.deps_uri,
            "job_entrypoint_uri": self.artifacts.entrypoint_uri,
            "dataproc_runtime": gcp.dataproc_runtime,
        }
        for key, value in values.items():
            TerraformOutput(self, key, value=value, static_id=True)


def _address(resource) -> str:
    return f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"
