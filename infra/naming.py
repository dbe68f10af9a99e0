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

    def members(self, who: str) -> tuple[str, ...]:
        """The IAM members of an identity: its service account, or the configured operators."""
        if who == OPERATOR:
            return self.gcp.operators
        return (self.member(who),)

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

    @property
    def workload_identity_pool(self) -> str:
        pool = f"github-{self.env}"
        if not re.fullmatch(r"[a-z0-9-]{4,32}", pool) or pool.startswith("gcp-"):
            raise NamingError(f"workload identity pool id {pool!r} must be 4-32 characters")
        return pool


def _label_value(value: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]
