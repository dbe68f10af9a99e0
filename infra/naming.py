"""Every name and label of an environment's resources, derived from its config.

Bucket names, the dataset, project, region, schedule and sizes come from
`env/<name>/config.toml` (through `jobs.config`). Names that are not in the
config are derived here from the environment name, one rule each, so that two
environments could even share a project without colliding, and so that a new
`env/<name>/` folder needs no code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from jobs.config import GcpSettings, Settings

APP = "ops-tickets"
MANAGED_BY = "cdktn"
PREFIX = "tickets"  # short prefix of project-scoped names
# identity -> the suffix of its service account id (tickets-<env>-<suffix>)
ACCOUNTS = {
    "runner": "runner",  # the Dataproc Serverless batches
    "function": "fn",  # the trigger function at run time
    "scheduler": "scheduler",  # Cloud Scheduler's OIDC identity
    "builder": "builder",  # Cloud Build of the function
    "plan": "tf-plan",  # CI: terraform plan through Workload Identity Federation
}
OPERATOR = "operator"  # the people in the config's `operators`: not a service account


@dataclass(frozen=True)
class ServiceAgent:
    """A Google-managed identity that acts in the project for one of its APIs."""

    api: str
    email: str  # with {number}: the project's number
    role: str  # the role Google documents for it, granted on the project
    does: str


# Google's service agents the pipeline depends on, by the grant table's name for them
# (infra/iam.py GRANTS, who = "agent:<key>"). Emails and roles: "Service agents",
# https://cloud.google.com/iam/docs/service-agents (last updated 2026-04-10, read
# 2026-12-07). Each is its API's *primary* agent, the one `google_project_service_identity`
# asks the API to create (infra/service_agents.py); an agent created on request gets no
# role ("Create and grant roles to service agents",
# https://cloud.google.com/iam/docs/create-service-agents, read 2026-12-07), so the stack
# grants each its role itself.
SERVICE_AGENTS = {
    "scheduler": ServiceAgent(
        "cloudscheduler.googleapis.com",
        "service-{number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com",
        "roles/cloudscheduler.serviceAgent",
        "mints the OIDC token of every tick as the scheduler account",
    ),
    "dataproc": ServiceAgent(
        "dataproc.googleapis.com",
        "service-{number}@dataproc-accounts.iam.gserviceaccount.com",
        "roles/dataproc.serviceAgent",
        "runs the control plane of the Dataproc Serverless batches",
    ),
    # Runtime 3.0 and later create this agent with its role when it does not exist yet
    # (https://cloud.google.com/dataproc-serverless/docs/concepts/service-account, read
    # 2026-12-07); created ahead of use by the stack, it gets the role from the stack.
    "dataprocrm-node": ServiceAgent(
        "dataprocrm.googleapis.com",
        "service-{number}@gcp-sa-dataprocrmnode.iam.gserviceaccount.com",
        "roles/dataprocrm.nodeServiceAgent",
        "runs the batch's nodes on runtime 3.0: heartbeats, OAuth tokens, logs and metrics",
    ),
}
AGENT = "agent:"  # the grant table's prefix for a service agent (agent:scheduler, ...)


class NamingError(ValueError):
    """An environment name does not fit a Google Cloud naming rule."""


@dataclass(frozen=True)
class EnvNames:
    settings: Settings

    @property
    def env(self) -> str:
        return self.settings.name

    @property
    def gcp(self) -> GcpSettings:
        assert self.settings.gcp is not None, f"{self.env} is not a gcp environment"
        return self.settings.gcp

    @property
    def project(self) -> str:
        return self.gcp.project

    @property
    def region(self) -> str:
        return self.gcp.region

    # --- stacks and state -------------------------------------------------------------
    @property
    def stack(self) -> str:
        return f"{PREFIX}-{self.env}"

    @property
    def bootstrap_stack(self) -> str:
        return f"bootstrap-{self.env}"

    @property
    def state_prefix(self) -> str:
        return f"{PREFIX}/{self.env}"

    @property
    def bootstrap_state_prefix(self) -> str:
        return f"bootstrap/{self.env}"

    # --- labels -----------------------------------------------------------------------
    @cached_property
    def labels(self) -> dict[str, str]:
        """Provider default labels: every labelled resource carries them."""
        return {"env": _label_value(self.env), "app": APP, "managed-by": MANAGED_BY}

    # --- identities -------------------------------------------------------------------
    def account_id(self, who: str) -> str:
        """Service account id: 6-30 chars, lowercase letters, digits and dashes."""
        account = f"{PREFIX}-{self.env}-{ACCOUNTS[who]}"
        if not re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", account):
            raise NamingError(
                f"service account id {account!r} (from env {self.env!r}) must be 6-30 characters "
                "of lowercase letters, digits and dashes: use a shorter environment name"
            )
        return account

    def email(self, who: str) -> str:
        return f"{self.account_id(who)}@{self.project}.iam.gserviceaccount.com"

    def member(self, who: str) -> str:
        return f"serviceAccount:{self.email(who)}"

    def members(self, who: str, project_number: str = "") -> tuple[str, ...]:
        """The IAM members of an identity: its service account, the configured operators,
        or a service agent (`agent:<key>`, whose email holds the project's number)."""
        if who == OPERATOR:
            return self.gcp.operators
        if who.startswith(AGENT):
            return (f"serviceAccount:{self.agent_email(who, project_number)}",)
        return (self.member(who),)

    @staticmethod
    def agent_email(who: str, project_number: str) -> str:
        return SERVICE_AGENTS[who.removeprefix(AGENT)].email.format(number=project_number)

    def deny_principal(self, who: str) -> str:
        """A service account as IAM deny policies name it
        (https://cloud.google.com/iam/docs/principal-identifiers, read 2026-12-07)."""
        return f"principal://iam.googleapis.com/projects/-/serviceAccounts/{self.email(who)}"

    # --- names of project-scoped resources ----------------------------------------------
    def name(self, kind: str) -> str:
        """`tickets-<env>-<kind>`: network, function, scheduler job, repositories."""
        return f"{PREFIX}-{self.env}-{kind}"

    @property
    def function_name(self) -> str:
        return self.name("tick")

    @property
    def scheduler_job(self) -> str:
        return self.name("daily")

    @property
    def staging_dataset(self) -> str:
        """Per-run staging tables live here and expire on their own (docs/design.md)."""
        return self.gcp.staging_dataset

    @property
    def batch_submitter_role(self) -> str:
        """Custom role id: letters, digits, underscores and dots."""
        return re.sub(r"[^A-Za-z0-9_.]", "_", f"{PREFIX}_{self.env}_batch_submitter")

    @property
    def subnetwork_uri(self) -> str:
        return f"projects/{self.project}/regions/{self.region}/subnetworks/{self.name('dataproc')}"

    # --- what the batch runner may not write -------------------------------------------
    @property
    def read_only_tag(self) -> tuple[str, str]:
        """(tag key, value) on the buckets the runner may read but never write: the code
        that deploys the environment and its Terraform state (infra/confinement.py)."""
        return f"{PREFIX}-{self.env}-runner", "read-only"

    @property
    def read_only_condition(self) -> str:
        """The deny rule's condition: the resource carries the read-only tag. A tag key of a
        project is named `<project id>/<key>` (https://cloud.google.com/resource-manager/docs/tags/tags-overview)."""
        key, value = self.read_only_tag
        return f"resource.matchTag('{self.project}/{key}', '{value}')"

    @property
    def runner_deny_policy(self) -> str:
        return self.name("runner-writes")

    @property
    def workload_identity_pool(self) -> str:
        pool = f"github-{self.env}"
        if not re.fullmatch(r"[a-z0-9-]{4,32}", pool) or pool.startswith("gcp-"):
            raise NamingError(f"workload identity pool id {pool!r} must be 4-32 characters")
        return pool


def _label_value(value: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]
