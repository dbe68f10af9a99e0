"""Google's service agents that the first tick needs, created at deploy time.

Google creates most service agents when an API is first used, which on a fresh
project can be the first scheduled tick itself: the Scheduler's agent mints the
tick's OIDC token, and on Dataproc Serverless runtime 3.0 the Resource Manager's
node agent runs the batch's machines. Creating them here (the google-beta
provider's `google_project_service_identity`, which asks the API to make its
primary agent now) turns a late failure at 08:00 into a deploy that either works or
says why. An agent made on request is granted no role ("Create and grant roles to
service agents", https://cloud.google.com/iam/docs/create-service-agents, read
2026-12-07): infra/iam.py grants each the role Google documents for it
(infra/naming.py SERVICE_AGENTS), after its identity exists. Should an API not have
created the agent, that grant fails the apply naming the missing account.
"""

from __future__ import annotations

from cdktn_provider_google_beta.google_project_service_identity import (
    GoogleProjectServiceIdentity,
)
from cdktn_provider_google_beta.provider import GoogleBetaProvider
from constructs import Construct

from infra.naming import AGENT, SERVICE_AGENTS, EnvNames


class ServiceAgents(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, depends_on=None):
        super().__init__(scope, id_)
        beta = GoogleBetaProvider(self, "google-beta", project=names.project, region=names.region)
        self.identities = {
            f"{AGENT}{key}": GoogleProjectServiceIdentity(
                self,
                agent.api.split(".")[0],
                provider=beta,
                project=names.project,
                service=agent.api,
                depends_on=depends_on,
            )
            for key, agent in SERVICE_AGENTS.items()
        }

    @property
    def all(self) -> list:
        return list(self.identities.values())
