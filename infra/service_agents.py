"""Google's service agents that the first tick needs, created at deploy time.

Google creates most service agents when an API is first used, which on a fresh
project can be the first scheduled tick itself: the Scheduler's agent mints the
tick's OIDC token, and on Dataproc Serverless runtime 3.0 the Resource Manager's
node agent runs the batch's machines. Creating them here (the google-beta
provider's `google_project_service_identity`, which asks the API to make its agent
now) turns a late failure at 08:00 into a deploy that either works or says why.
"""

from __future__ import annotations

from cdktn_provider_google_beta.google_project_service_identity import (
    GoogleProjectServiceIdentity,
)
from cdktn_provider_google_beta.provider import GoogleBetaProvider
from constructs import Construct

from infra.naming import EnvNames

# API -> what its agent does for this project's pipeline
AGENT_APIS = {
    "cloudscheduler.googleapis.com": "mints the OIDC token of every tick",
    "dataproc.googleapis.com": "manages the Dataproc Serverless batches",
    "dataprocrm.googleapis.com": "runs the batch's machines on runtime 3.0 and later",
}


class ServiceAgents(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, depends_on=None):
        super().__init__(scope, id_)
        beta = GoogleBetaProvider(self, "google-beta", project=names.project, region=names.region)
        self.identities = {
            api: GoogleProjectServiceIdentity(
                self,
                api.split(".")[0],
                provider=beta,
                project=names.project,
                service=api,
                depends_on=depends_on,
            )
            for api in AGENT_APIS
        }

    @property
    def all(self) -> list:
        return list(self.identities.values())
