"""What the batch runner may read but never write: the code that deploys it, and the state.

Google requires a Dataproc Serverless batch's service account to hold
roles/dataproc.worker ("Serverless for Apache Spark service accounts",
https://cloud.google.com/dataproc-serverless/docs/concepts/service-account, read
2026-12-07), and that role carries project-wide `storage.objects.create`, `.delete` and
`.update`. Google's narrower roles/dataproc.serverlessNode lacks what the nodes need
(heartbeat, OAuth tokens, logging), and a custom copy of Worker would miss whatever
Google adds to it next. So the runner keeps Worker, and an IAM deny policy takes the
writes away where they would do harm: on every bucket tagged `tickets-<env>-runner =
read-only`, the landing bucket (the extracts), the artifacts bucket (the function's
source, the jobs archive) and the Terraform state bucket. Deny rules are evaluated
before any grant, and their conditions may test only resource tags ("Deny policies",
https://cloud.google.com/iam/docs/deny-overview, last updated 2026-04-02, read
2026-12-07); a bucket inherits nothing here, so each is bound the tag itself.

The bootstrap stack (applied by a project owner who also holds roles/iam.denyAdmin,
which Google grants only on the organization: https://cloud.google.com/iam/docs/deny-access)
creates the tag, tags the state bucket and writes the deny policy; the environment stack
tags its landing and artifacts buckets. CI's plan identity never plans the bootstrap stack, so it
needs no deny-policy reader role (which is also organization-only).
"""

from __future__ import annotations

from urllib.parse import quote

from cdktn_provider_google.data_google_tags_tag_key import DataGoogleTagsTagKey
from cdktn_provider_google.data_google_tags_tag_value import DataGoogleTagsTagValue
from cdktn_provider_google.iam_deny_policy import (
    IamDenyPolicy,
    IamDenyPolicyRules,
    IamDenyPolicyRulesDenyRule,
    IamDenyPolicyRulesDenyRuleDenialCondition,
)
from cdktn_provider_google.storage_bucket import StorageBucket
from cdktn_provider_google.tags_location_tag_binding import TagsLocationTagBinding
from cdktn_provider_google.tags_tag_key import TagsTagKey
from cdktn_provider_google.tags_tag_value import TagsTagValue
from constructs import Construct

from infra.naming import EnvNames

# Deny policies name permissions as `<service>/<resource>.<verb>`
# (https://cloud.google.com/iam/docs/deny-permissions-support): every way to put, replace
# or remove an object's content or metadata.
DENIED_WRITES = (
    "storage.googleapis.com/objects.create",
    "storage.googleapis.com/objects.delete",
    "storage.googleapis.com/objects.update",
)


def tag_bucket(scope: Construct, id_: str, *, bucket: StorageBucket, location: str, value: str):
    """Bind a tag value to a bucket (a location-scoped resource: its region is required)."""
    return TagsLocationTagBinding(
        scope,
        id_,
        parent=f"//storage.googleapis.com/projects/_/buckets/{bucket.name}",
        tag_value=value,
        location=location.lower(),
    )


class ReadOnlyForRunner(Construct):
    """Bootstrap stack: the tag, the state bucket tagged with it, and the deny policy."""

    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, state_bucket, depends_on):
        super().__init__(scope, id_)
        key_name, value_name = names.read_only_tag
        key = TagsTagKey(
            self,
            "tag-key",
            parent=f"projects/{names.project}",
            short_name=key_name,
            description=f"Tickets {names.env}: buckets the batch runner may read, never write",
            depends_on=depends_on,
        )
        self.value = TagsTagValue(
            self,
            "tag-value",
            parent=key.id,
            short_name=value_name,
            description="Denied object writes to the runner (infra/confinement.py)",
        )
        tag_bucket(
            self, "state-bucket", bucket=state_bucket, location=names.region, value=self.value.id
        )
        self.policy = IamDenyPolicy(
            self,
            "deny-policy",
            parent=quote(f"cloudresourcemanager.googleapis.com/projects/{names.project}", safe=""),
            name=names.runner_deny_policy,
            display_name=f"Tickets {names.env}: the runner never writes code or state",
            rules=[
                IamDenyPolicyRules(
                    description="Dataproc Worker's project-wide object writes, taken back "
                    "on the buckets tagged read-only",
                    deny_rule=IamDenyPolicyRulesDenyRule(
                        denied_principals=[names.deny_principal("runner")],
                        denied_permissions=list(DENIED_WRITES),
                        denial_condition=IamDenyPolicyRulesDenyRuleDenialCondition(
                            title="read-only buckets",
                            expression=names.read_only_condition,
                        ),
                    ),
                )
            ],
            depends_on=[key, self.value],
        )


def tag_read_only(scope: Construct, buckets: list[StorageBucket], *, names: EnvNames) -> None:
    """Environment stack: tag `buckets` read-only for the runner, with the bootstrap's tag."""
    key_name, value_name = names.read_only_tag
    key = DataGoogleTagsTagKey(
        scope, "read-only-key", parent=f"projects/{names.project}", short_name=key_name
    )
    value = DataGoogleTagsTagValue(scope, "read-only-value", parent=key.id, short_name=value_name)
    for bucket in buckets:
        tag_bucket(
            scope,
            f"{bucket.node.id}-read-only",
            bucket=bucket,
            location=names.region,
            value=value.id,
        )
