"""The exact IAM bindings of every service account: a new grant is a visible change here."""

from __future__ import annotations

import pytest

from rehearsal.stack import IAM_MEMBER_TYPES

pytestmark = pytest.mark.infra


def bindings(stack) -> dict[str, set[tuple[str, str]]]:
    """member -> {(scope, role)}; every IAM resource is an additive *_iam_member."""
    for rtype in stack.iam_resource_types():
        if rtype.endswith(("_iam_binding", "_iam_policy")):
            pytest.fail(f"{stack.name}: authoritative IAM resource {rtype} (use *_iam_member)")
        assert rtype in IAM_MEMBER_TYPES, f"{stack.name}: unexpected IAM resource type {rtype}"
    return stack.bindings()


def expected(env: str, project: str, gcp) -> dict[str, set[tuple[str, str]]]:
    sa = lambda who: f"serviceAccount:tickets-{env}-{who}@{project}.iam.gserviceaccount.com"  # noqa: E731
    ds, staging = gcp.dataset, f"{gcp.dataset}_staging"
    return {
        sa("runner"): {
            ("project", "roles/dataproc.worker"),
            ("project", "roles/bigquery.jobUser"),
            (f"dataset:{ds}", "roles/bigquery.dataEditor"),
            (f"dataset:{staging}", "roles/bigquery.dataEditor"),
            (f"bucket:{gcp.landing_bucket}", "roles/storage.objectViewer"),
            (f"bucket:{gcp.staging_bucket}", "roles/storage.objectUser"),
            (f"bucket:{gcp.artifacts_bucket}", "roles/storage.objectViewer"),
        },
        sa("fn"): {
            ("project", "roles/bigquery.jobUser"),
            ("project", f"projects/{project}/roles/tickets_{env}_batch_submitter"),
            (f"table:{ds}.ingestion_state", "roles/bigquery.dataViewer"),
            (f"bucket:{gcp.landing_bucket}", "roles/storage.objectViewer"),
            (
                f"account:tickets-{env}-runner@{project}.iam.gserviceaccount.com",
                "roles/iam.serviceAccountUser",
            ),
        },
        sa("scheduler"): {
            (f"run:tickets-{env}-tick", "roles/run.invoker"),
        },
        sa("builder"): {
            ("project", "roles/logging.logWriter"),
            (f"repository:tickets-{env}-functions", "roles/artifactregistry.writer"),
            (f"bucket:{gcp.artifacts_bucket}", "roles/storage.objectViewer"),
            (
                "project",
                # Google's condition for a custom build account, to the letter
                # (https://cloud.google.com/functions/docs/building, read 2026-12-07)
                "roles/storage.objectViewer if "
                '(resource.type == "storage.googleapis.com/Object" && '
                '(resource.name.startsWith("projects/_/buckets/gcf-v2-sources-") || '
                'resource.name.startsWith("projects/_/buckets/gcf-v2-uploads-") || '
                'resource.name.startsWith("projects/_/buckets/run-sources-")))',
            ),
        },
        sa("tf-plan"): {
            (f"bucket:{gcp.artifacts_bucket}", "roles/storage.objectViewer"),
        },
        # the people of the config's `operators`: upload, status, backfill
        **{
            operator: {
                (f"bucket:{gcp.landing_bucket}", "roles/storage.objectUser"),
                ("project", "roles/bigquery.jobUser"),
                (f"table:{ds}.ingestion_state", "roles/bigquery.dataViewer"),
                ("project", f"projects/{project}/roles/tickets_{env}_batch_submitter"),
                (
                    f"account:tickets-{env}-runner@{project}.iam.gserviceaccount.com",
                    "roles/iam.serviceAccountUser",
                ),
                ("project", "roles/cloudquotas.viewer"),
            }
            for operator in gcp.operators
        },
        # Google's service agents, each with the role Google's "Service agents" page gives
        # it; the project's number is Terraform's to fill in (PROJECT_NUMBER here)
        "serviceAccount:service-PROJECT_NUMBER@gcp-sa-cloudscheduler.iam.gserviceaccount.com": {
            ("project", "roles/cloudscheduler.serviceAgent")
        },
        "serviceAccount:service-PROJECT_NUMBER@dataproc-accounts.iam.gserviceaccount.com": {
            ("project", "roles/dataproc.serviceAgent")
        },
        "serviceAccount:service-PROJECT_NUMBER@gcp-sa-dataprocrmnode.iam.gserviceaccount.com": {
            ("project", "roles/dataprocrm.nodeServiceAgent")
        },
    }


PLAN_ROLES = {
    "roles/iam.securityReviewer",
    "roles/iam.serviceAccountViewer",
    "roles/iam.roleViewer",
    "roles/iam.workloadIdentityPoolViewer",
    "roles/serviceusage.serviceUsageViewer",
    "roles/storage.bucketViewer",
    "roles/bigquery.metadataViewer",
    "roles/cloudfunctions.viewer",
    "roles/run.viewer",
    "roles/cloudscheduler.viewer",
    "roles/compute.networkViewer",
    "roles/monitoring.viewer",
    "roles/logging.viewer",
    "roles/resourcemanager.tagViewer",
    "roles/artifactregistry.reader",
}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_exact_bindings_per_service_account(stacks, settings, env):
    gcp = settings[env].gcp
    assert bindings(stacks[f"tickets-{env}"]) == expected(env, gcp.project, gcp)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_four_runtime_identities_are_separate(stacks, env):
    accounts = {
        a["account_id"]
        for a in stacks[f"tickets-{env}"].resources("google_service_account").values()
    }
    assert accounts == {f"tickets-{env}-{who}" for who in ("runner", "fn", "scheduler", "builder")}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_batch_submitter_role_can_only_submit_and_read_batches(stacks, env):
    role = stacks[f"tickets-{env}"].only("google_project_iam_custom_role")
    assert role["role_id"] == f"tickets_{env}_batch_submitter"
    assert sorted(role["permissions"]) == ["dataproc.batches.create", "dataproc.batches.get"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_bootstrap_ci_identity_is_plan_only(stacks, settings, env):
    gcp = settings[env].gcp
    stack = stacks[f"bootstrap-{env}"]
    plan = f"serviceAccount:tickets-{env}-tf-plan@{gcp.project}.iam.gserviceaccount.com"
    github = (
        "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github_pool.name}"
        f"/attribute.repository_id/{gcp.github_repository_id}"
    )
    assert bindings(stack) == {
        plan: {("project", r) for r in PLAN_ROLES}
        | {(f"bucket:{gcp.state_bucket}", "roles/storage.objectViewer")},
        # only workflows of the configured repository may impersonate the plan account
        github: {
            (
                f"account:tickets-{env}-tf-plan@{gcp.project}.iam.gserviceaccount.com",
                "roles/iam.workloadIdentityUser",
            )
        },
    }
    provider = stack.only("google_iam_workload_identity_pool_provider")
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    # the repository's and its owner's numeric ids, which a re-created repository cannot have
    assert provider["attribute_condition"] == (
        f'assertion.repository_id == "{gcp.github_repository_id}" && '
        f'assertion.repository_owner_id == "{gcp.github_repository_owner_id}" && '
        f'(assertion.sub == "repo:{gcp.github_repository}:pull_request" || '
        f'assertion.sub == "repo:{gcp.github_repository}:ref:refs/heads/main")'
    )
    assert provider["attribute_mapping"]["attribute.repository_id"] == "assertion.repository_id"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_bootstrap_state_bucket(stacks, settings, env):
    gcp = settings[env].gcp
    stack = stacks[f"bootstrap-{env}"]
    bucket = stack.only("google_storage_bucket")
    assert bucket["name"] == gcp.state_bucket
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["lifecycle"] == {"prevent_destroy": True}
    assert bucket["force_destroy"] is False
    assert stack.data["terraform"]["backend"] == {
        "gcs": {"bucket": gcp.state_bucket, "prefix": f"bootstrap/{env}"}
    }


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_service_agent_is_granted_after_its_api_created_it(stacks, env):
    """A grant to an agent waits for the identity resource that asks the API to create it,
    and reads the project's number from the project itself."""
    stack = stacks[f"tickets-{env}"]
    grants = {
        conf["role"]: conf
        for conf in stack.resources("google_project_iam_member").values()
        if conf["role"].endswith(("serviceAgent", "nodeServiceAgent"))
    }
    identity = {
        "roles/cloudscheduler.serviceAgent": "cloudscheduler",
        "roles/dataproc.serviceAgent": "dataproc",
        "roles/dataprocrm.nodeServiceAgent": "dataprocrm",
    }
    assert set(grants) == set(identity)
    for role, api in identity.items():
        assert grants[role]["depends_on"] == [f"google_project_service_identity.agents_{api}"]
        assert "${data.google_project.project.number}" in grants[role]["member"]
    project = stack.data["data"]["google_project"]["project"]
    assert project["project_id"] == stack.project
