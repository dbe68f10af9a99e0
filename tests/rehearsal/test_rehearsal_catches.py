"""What `make rehearse` exists for: each mistake below, made in a scratch copy of the tree,
fails it with a message naming the problem (the deploy would have failed in the cloud)."""

from __future__ import annotations

import io
import zipfile

from infra.naming import EnvNames
from jobs import config
from rehearsal import function, iam_contract
from tools import package

from .conftest import replaced, scratch_copy, synthesized, without_line

DECLARED = iam_contract.Declared.load()


def contract_of(root, tmp_path, recorded_calls) -> iam_contract.Result:
    """The IAM contract, with its declared requirements, over the tree at `root`."""
    stack, bootstrap = synthesized(root, tmp_path)
    names = EnvNames(config.load("dev", env_dir=root / "env"))
    return iam_contract.check(recorded_calls, stack, bootstrap, names, declared=DECLARED)


def contract_after(tmp_path, recorded_calls, path: str, old: str, new: str):
    """The contract over a scratch copy of the tree with `old` replaced by `new` in `path`."""
    root = scratch_copy(tmp_path / "tree")
    replaced(root / path, old, new)
    return contract_of(root, tmp_path, recorded_calls)


def needed(violation: str) -> str:
    """The permission a violation says an identity needs."""
    return violation.split(" needs ")[1].split(" on ")[0]


def test_a_requirement_removed_from_the_function_fails_its_install(tmp_path):
    root = scratch_copy(tmp_path / "tree")
    without_line(root / "functions" / "requirements.txt", "google-cloud-storage==")
    archive = package.zip_bytes(package.function_files(root, "dev"))
    assert (
        "google-cloud-storage"
        not in zipfile.ZipFile(io.BytesIO(archive)).read("requirements.txt").decode()
    )

    installed = function.install(archive, tmp_path / "work")

    assert installed.problems == [
        "the function imports google.cloud.storage (jobs/landing/gcs.py), which its "
        "requirements.txt does not provide",
        "the function imports google.cloud.storage (jobs/warehouse/bigquery.py), which its "
        "requirements.txt does not provide",
    ]


def test_the_function_as_packaged_installs_clean(tmp_path):
    archive = package.zip_bytes(package.function_files(config.REPO_ROOT, "dev"))
    assert function.install(archive, tmp_path / "work").problems == []


def test_a_grant_a_call_needs_removed_fails_the_contract(tmp_path, recorded_calls):
    root = scratch_copy(tmp_path / "tree")
    without_line(root / "infra" / "iam.py", '"function", "table:ingestion_state"')
    stack, bootstrap = synthesized(root, tmp_path)
    names = EnvNames(config.load("dev", env_dir=root / "env"))

    result = iam_contract.check(recorded_calls, stack, bootstrap, names)

    assert not result.ok
    [violation] = result.violations
    assert violation.startswith(
        "function (serviceAccount:tickets-dev-fn@ops-tickets-dev.iam.gserviceaccount.com) "
        "needs bigquery.tables.getData on table:ops_analytics.ingestion_state (function: "
        "POST /bigquery/v2/projects/ops-tickets-dev/jobs), and no role granted to it holds "
        'that there: add Grant("function", "table:ingestion_state", "roles/bigquery.dataViewer"'
    )


def test_an_api_the_path_uses_removed_fails_the_contract(tmp_path, recorded_calls):
    root = scratch_copy(tmp_path / "tree")
    without_line(root / "infra" / "apis.py", '"dataprocrm.googleapis.com"')
    without_line(root / "infra" / "apis.py", '"bigquery.googleapis.com"')
    stack, bootstrap = synthesized(root, tmp_path)
    names = EnvNames(config.load("dev", env_dir=root / "env"))

    result = iam_contract.check(recorded_calls, stack, bootstrap, names)

    assert result.violations == [
        "bigquery.googleapis.com is not enabled in the stack (called by function): add it to "
        "infra/apis.py STACK_APIS",
        "dataprocrm.googleapis.com is not enabled in the stack (Dataproc Serverless runtime 3.0 "
        "requires it): add it to infra/apis.py STACK_APIS",
    ]


def test_the_stacks_as_they_are_keep_the_contract(tmp_path, recorded_calls):
    result = contract_of(config.REPO_ROOT, tmp_path, recorded_calls)
    assert result.violations == []
    assert {c.identity for c in result.covered} == {
        "function", "runner", "operator", "scheduler", "builder",
        "agent:scheduler", "agent:dataproc", "agent:dataprocrm-node",
    }  # fmt: skip
    assert result.unused == []


def test_the_node_agents_role_removed_fails_the_contract(tmp_path, recorded_calls):
    """Runtime 3.0's node agent, created by the stack, gets its role only from the stack."""
    result = contract_after(
        tmp_path,
        recorded_calls,
        "infra/iam.py",
        "for key, a in SERVICE_AGENTS.items())",
        'for key, a in SERVICE_AGENTS.items() if key != "dataprocrm-node")',
    )

    node = "serviceAccount:service-PROJECT_NUMBER@gcp-sa-dataprocrmnode.iam.gserviceaccount.com"
    assert [needed(v) for v in result.violations] == [
        "dataprocrm.nodes.heartbeat", "dataprocrm.nodes.mintOAuthToken", "logging.logEntries.create"
    ]  # fmt: skip
    assert result.violations[0].startswith(f"agent:dataprocrm-node ({node}) needs ")
    assert result.violations[0].endswith(
        'add Grant("agent:dataprocrm-node", "project", "roles/dataprocrm.nodeServiceAgent", ...) '
        "to infra/iam.py GRANTS"
    )


def test_a_source_prefix_missing_from_the_builders_condition_fails_the_contract(
    tmp_path, recorded_calls
):
    result = contract_after(tmp_path, recorded_calls, "infra/iam.py", ', "run-sources-")', ")")
    [violation] = result.violations
    assert violation.startswith(
        "builder (serviceAccount:tickets-dev-builder@ops-tickets-dev.iam.gserviceaccount.com) "
        "needs storage.objects.get on object:run-sources-PROJECT_NUMBER-asia-south1/"
    )


def test_a_plan_role_removed_fails_the_refresh_of_what_it_reads(tmp_path, recorded_calls):
    root = scratch_copy(tmp_path / "tree")
    without_line(root / "infra" / "bootstrap.py", '"roles/logging.viewer"')
    result = contract_of(root, tmp_path, recorded_calls)
    assert result.violations == [
        "plan (serviceAccount:tickets-dev-tf-plan@ops-tickets-dev.iam.gserviceaccount.com) "
        "cannot refresh google_logging_metric: it needs logging.logMetrics.get on project; add "
        "roles/logging.viewer to infra/bootstrap.py PLAN_ROLES"
    ]


def test_a_deny_rule_over_what_the_batch_writes_fails_the_contract(tmp_path, recorded_calls):
    """Tagging commit staging read-only would take away the batch's own writes."""
    result = contract_after(
        tmp_path,
        recorded_calls,
        "infra/stack.py",
        "[self.storage.landing, self.storage.artifacts]",
        "[self.storage.landing, self.storage.artifacts, self.storage.staging]",
    )
    denied = sorted({needed(v) for v in result.violations})
    assert denied == ["storage.objects.create", "storage.objects.delete"]
    assert all(
        v.startswith("runner needs ") and "bucket:ops-tickets-dev-staging" in v
        and "deny policy tickets-dev-runner-writes takes it away" in v
        for v in result.violations
    )  # fmt: skip
