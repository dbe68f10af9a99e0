"""What `make rehearse` exists for: each mistake below, made in a scratch copy of the tree,
fails it with a message naming the problem (the deploy would have failed in the cloud)."""

from __future__ import annotations

import io
import zipfile

from infra.naming import EnvNames
from jobs import config
from rehearsal import function, iam_contract
from tools import package

from .conftest import scratch_copy, synthesized, without_line


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
    stack, bootstrap = synthesized(config.REPO_ROOT, tmp_path)
    result = iam_contract.check(recorded_calls, stack, bootstrap, EnvNames(config.load("dev")))
    assert result.violations == []
    assert {c.identity for c in result.covered} == {"function", "runner", "operator", "scheduler"}
