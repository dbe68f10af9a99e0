"""Buckets: landing (extracts), artifacts (code) and Spark staging (scratch).

All three: uniform bucket-level access, public access prevention enforced,
in the environment's region. Landing and artifacts keep object versions
(an extract or a code object can be overwritten) and drop old versions after
30 days. Staging objects expire after a day, are not soft-deleted, and
versioning keeps only a day of noncurrent versions.
"""

from __future__ import annotations

from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketSoftDeletePolicy,
    StorageBucketVersioning,
)
from constructs import Construct

from infra.naming import EnvNames

NONCURRENT_DAYS = 30
STAGING_DAYS = 1


def delete_after(**condition) -> StorageBucketLifecycleRule:
    return StorageBucketLifecycleRule(
        action=StorageBucketLifecycleRuleAction(type="Delete"),
        condition=StorageBucketLifecycleRuleCondition(**condition),
    )


def secure_bucket(
    scope: Construct,
    id_: str,
    *,
    name: str,
    location: str,
    rules: list[StorageBucketLifecycleRule],
    force_destroy: bool,
    soft_delete_seconds: int | None = None,
    depends_on=None,
    **extra,
) -> StorageBucket:
    """A bucket with the security settings every bucket of the project shares."""
    return StorageBucket(
        scope,
        id_,
        name=name,
        location=location.upper(),
        storage_class="STANDARD",
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning=StorageBucketVersioning(enabled=True),
        lifecycle_rule=rules,
        force_destroy=force_destroy,
        soft_delete_policy=(
            StorageBucketSoftDeletePolicy(retention_duration_seconds=soft_delete_seconds)
            if soft_delete_seconds is not None
            else None
        ),
        depends_on=depends_on,
        **extra,
    )


class Storage(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, depends_on=None):
        super().__init__(scope, id_)
        gcp = names.gcp
        force_destroy = not gcp.deletion_protection
        keep_versions = [
            delete_after(days_since_noncurrent_time=NONCURRENT_DAYS, with_state="ARCHIVED")
        ]
        self.landing = secure_bucket(
            self,
            "landing",
            name=gcp.landing_bucket,
            location=gcp.region,
            rules=keep_versions,
            force_destroy=force_destroy,
            depends_on=depends_on,
        )
        self.artifacts = secure_bucket(
            self,
            "artifacts",
            name=gcp.artifacts_bucket,
            location=gcp.region,
            rules=keep_versions,
            force_destroy=force_destroy,
            depends_on=depends_on,
        )
        self.staging = secure_bucket(
            self,
            "staging",
            name=gcp.staging_bucket,
            location=gcp.region,
            rules=[
                delete_after(age=STAGING_DAYS, with_state="ANY"),
                delete_after(days_since_noncurrent_time=STAGING_DAYS, with_state="ARCHIVED"),
                StorageBucketLifecycleRule(
                    action=StorageBucketLifecycleRuleAction(type="AbortIncompleteMultipartUpload"),
                    condition=StorageBucketLifecycleRuleCondition(age=STAGING_DAYS),
                ),
            ],
            force_destroy=True,  # scratch space: never worth blocking a destroy
            soft_delete_seconds=0,  # no point paying to keep deleted scratch files
            depends_on=depends_on,
        )

    @property
    def buckets(self) -> dict[str, StorageBucket]:
        return {"landing": self.landing, "artifacts": self.artifacts, "staging": self.staging}
