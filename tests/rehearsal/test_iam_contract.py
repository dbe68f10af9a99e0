"""The IAM contract over a small hand-written stack: covered, missing, tolerated, unused."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from infra.naming import EnvNames
from jobs import config
from rehearsal import iam_contract
from rehearsal.permissions import Call
from rehearsal.stack import Stack

DEV = config.load("dev")
FN = "serviceAccount:tickets-dev-fn@ops-tickets-dev.iam.gserviceaccount.com"
P = "ops-tickets-dev"


PLATFORM = ("cloudscheduler", "cloudfunctions", "cloudbuild", "artifactregistry", "compute")


def stack(
    members: dict[str, dict],
    services=("bigquery", "dataproc", "dataprocrm", "run", *PLATFORM),
) -> Stack:
    apis = set(services)
    data = {
        "provider": {"google": [{"project": P}]},
        "resource": {
            **members,
            "google_project_service": {a: {"service": f"{a}.googleapis.com"} for a in apis},
        },
    }
    return Stack("tickets-dev", Path("cdk.tf.json"), json.loads(json.dumps(data)))


def grant(kind: str, role: str, **where) -> dict:
    return {kind: {"g": {"role": role, "member": FN, **where}}}


def query(sql: str) -> Call:
    job = {"configuration": {"query": {"query": sql, "defaultDataset": {"datasetId": "ops"}}}}
    path = f"/bigquery/v2/projects/{P}/jobs"
    return Call("function", "function", "bigquery", "POST", path, 200, job)


def job_user_and_viewer_of(table: str) -> Stack:
    """The function may run jobs, and read one table of dataset `ops`."""
    viewer = {"role": "roles/bigquery.dataViewer", "member": FN, "dataset_id": "ops"}
    return stack(
        {
            **grant("google_project_iam_member", "roles/bigquery.jobUser", project=P),
            "google_bigquery_table_iam_member": {"t": {**viewer, "table_id": table}},
        }
    )


NAMES = EnvNames(dataclasses.replace(DEV, gcp=dataclasses.replace(DEV.gcp, dataset="ops")))
BOOT = stack({}, services=("storage",))  # the bootstrap stack enables storage


def test_a_table_grant_covers_a_query_of_that_table_and_a_project_grant_the_job():
    result = iam_contract.check(
        [query("SELECT * FROM ingestion_state")],
        job_user_and_viewer_of("ingestion_state"),
        BOOT,
        NAMES,
    )
    assert result.violations == []
    assert [(c.need.permission, c.granted_by) for c in result.covered] == [
        ("bigquery.jobs.create", (("project", "roles/bigquery.jobUser"),)),
        ("bigquery.tables.getData", (("table:ops.ingestion_state", "roles/bigquery.dataViewer"),)),
    ]


def test_a_grant_on_another_table_covers_nothing_and_the_message_says_what_to_add():
    result = iam_contract.check(
        [query("SELECT * FROM ingestion_state")],
        job_user_and_viewer_of("fact_tickets"),
        BOOT,
        NAMES,
    )
    assert result.violations == [
        f"function ({FN}) needs bigquery.tables.getData on table:ops.ingestion_state (function: "
        f"POST /bigquery/v2/projects/{P}/jobs), and no role granted to it holds that there: add "
        'Grant("function", "table:ingestion_state", "roles/bigquery.dataViewer", ...) to '
        "infra/iam.py GRANTS"
    ]
    # and the grant on the other table is a least-privilege finding
    assert result.unused == [
        "function holds roles/bigquery.dataViewer on table:ops.fact_tickets, which no recorded "
        "call needed"
    ]


def test_a_dataset_grant_covers_its_tables_not_another_datasets():
    editor = grant(
        "google_bigquery_dataset_iam_member", "roles/bigquery.dataEditor", dataset_id="ops"
    )
    members = {**grant("google_project_iam_member", "roles/bigquery.jobUser", project=P), **editor}
    delete = query("DELETE FROM fact_tickets WHERE TRUE")
    ok = iam_contract.check([delete], stack(members), BOOT, NAMES)
    assert ok.violations == []
    other = iam_contract.check([query("SELECT * FROM other.t")], stack(members), BOOT, NAMES)
    assert [v.split(" (")[0] for v in other.violations] == ["function"]
    assert "bigquery.tables.getData on table:other.t" in other.violations[0]


def test_a_role_without_the_permission_does_not_cover_it():
    members = grant("google_project_iam_member", "roles/bigquery.dataViewer", project=P)
    result = iam_contract.check([query("SELECT 1")], stack(members), BOOT, NAMES)
    assert "needs bigquery.jobs.create on project" in result.violations[0]


def test_a_role_whose_permissions_are_not_known_is_a_violation():
    members = grant("google_project_iam_member", "roles/bigquery.admin", project=P)
    result = iam_contract.check([], stack(members), BOOT, NAMES)
    assert result.violations == [
        "the stack grants roles/bigquery.admin, whose permissions rehearsal/roles.toml does not "
        "list: add the role's permissions (with their source and date)"
    ]


def test_an_api_called_or_needed_by_the_platform_must_be_enabled():
    calls = [
        Call("function", "function", "storage", "GET", "/storage/v1/b/x/o/y", 200),
        query("SELECT 1"),
    ]
    apis = ("dataproc", "dataprocrm", "run", *(p for p in PLATFORM if p != "cloudscheduler"))
    env_stack = stack({}, services=apis)
    result = iam_contract.check(calls, env_stack, BOOT, NAMES)
    # storage is the bootstrap stack's; bigquery is called; Scheduler sends the ticks
    assert [v for v in result.violations if "STACK_APIS" in v] == [
        "bigquery.googleapis.com is not enabled in the stack (called by function): add it to "
        "infra/apis.py STACK_APIS",
        "cloudscheduler.googleapis.com is not enabled in the stack (Cloud Scheduler sends the "
        "daily tick): add it to infra/apis.py STACK_APIS",
    ]
