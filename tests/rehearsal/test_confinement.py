"""The batch runner cannot write what deploys it, the state, or the extracts it is given.

roles/dataproc.worker, which Google requires the runner to hold, writes objects in any
bucket of the project; the bootstrap stack's deny policy takes that back on the buckets
tagged read-only (infra/confinement.py). These tests evaluate the synthesized stacks as
IAM would: deny rules, then grants with their conditions (rehearsal/iam_contract.py)."""

from __future__ import annotations

import pytest

from infra.naming import EnvNames
from jobs import config
from rehearsal.iam_contract import Access, Roles

from .conftest import synthesized

WRITES = ("storage.objects.create", "storage.objects.delete", "storage.objects.update")


@pytest.fixture(scope="module", params=["dev", "prod"])
def env(request):
    return request.param


@pytest.fixture(scope="module")
def settings():
    return {env: config.load(env) for env in ("dev", "prod")}


@pytest.fixture(scope="module")
def stacks(tmp_path_factory, env):
    stack, bootstrap = synthesized(config.REPO_ROOT, tmp_path_factory.mktemp(env), env)
    return {f"tickets-{env}": stack, f"bootstrap-{env}": bootstrap}


@pytest.fixture(scope="module")
def access(stacks, settings, env) -> Access:
    stack = stacks[f"tickets-{env}"]
    roles = Roles.load(custom=stack.custom_roles())
    return Access(stack, stacks[f"bootstrap-{env}"], EnvNames(settings[env]), roles)


def test_the_runner_reads_but_never_writes_code_state_or_extracts(access, settings, env):
    gcp = settings[env].gcp
    for bucket in (gcp.artifacts_bucket, gcp.state_bucket, gcp.landing_bucket):
        assert [access.decide("runner", p, f"bucket:{bucket}") for p in WRITES] == ["denied"] * 3
        assert access.decide("runner", "storage.objects.get", f"bucket:{bucket}") == "granted"
    # where the batch does write: commit staging
    staging = f"bucket:{gcp.staging_bucket}"
    assert [access.decide("runner", p, staging) for p in WRITES] == ["granted"] * 3


def test_the_deny_rule_names_only_the_runner(access, settings, env):
    gcp = settings[env].gcp
    # the operators still upload extracts, and the builder is not touched
    assert access.decide("operator", "storage.objects.create", f"bucket:{gcp.landing_bucket}") == (
        "granted"
    )
    [rule] = access.deny_rules
    assert rule.principals == (
        f"principal://iam.googleapis.com/projects/-/serviceAccounts/"
        f"tickets-{env}-runner@{gcp.project}.iam.gserviceaccount.com",
    )
    assert rule.permissions == WRITES
    assert rule.condition == f"resource.matchTag('{gcp.project}/tickets-{env}-runner', 'read-only')"


def test_deny_policy_tags_and_bindings_as_synthesized(stacks, settings, env):
    gcp = settings[env].gcp
    boot, stack = stacks[f"bootstrap-{env}"], stacks[f"tickets-{env}"]
    policy = boot.only("google_iam_deny_policy")
    # the attachment point, URL-encoded as the API wants it (deny-overview)
    assert policy["parent"] == f"cloudresourcemanager.googleapis.com%2Fprojects%2F{gcp.project}"
    assert policy["name"] == f"tickets-{env}-runner-writes"
    assert boot.only("google_tags_tag_key")["parent"] == f"projects/{gcp.project}"
    tagged = {bucket for s in (boot, stack) for bucket in s.bucket_tags()}
    assert tagged == {gcp.state_bucket, gcp.artifacts_bucket, gcp.landing_bucket}
    for s in (boot, stack):
        for binding in s.resources("google_tags_location_tag_binding").values():
            assert binding["location"] == gcp.region  # a bucket's tag binding is regional
    # the environment stack looks the bootstrap's tag up by name; it never creates one
    assert not stack.resources("google_tags_tag_key")
    assert stack.data["data"]["google_tags_tag_key"]["read_only_key"]["short_name"] == (
        f"tickets-{env}-runner"
    )


def test_the_builder_reads_every_staging_prefix_on_googles_page_and_nothing_else(access):
    """Google's page names three bucket prefixes Cloud Functions stages sources in."""
    for prefix in ("gcf-v2-sources-", "gcf-v2-uploads-", "run-sources-"):
        obj = f"object:{prefix}123-asia-south1/function-source.zip"
        assert access.decide("builder", "storage.objects.get", obj) == "granted", prefix
    elsewhere = "object:ops-tickets-dev-landing/tickets/dt=2025-01-01/tickets_2025-01-01.csv"
    assert access.decide("builder", "storage.objects.get", elsewhere) == "missing"
    # the condition is on objects: listing a staging bucket is not granted
    assert access.decide("builder", "storage.objects.list", "bucket:gcf-v2-sources-1-x") == (
        "missing"
    )
