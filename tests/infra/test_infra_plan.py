"""The offline plan summary and the guard rails of the Terraform wrapper."""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from infra import plan_summary, terraform
from infra.naming import EnvNames
from jobs import schemas

pytestmark = pytest.mark.infra


def test_diff_reports_added_removed_and_changed_attributes(stacks):
    base = stacks["tickets-dev"].data
    head = copy.deepcopy(base)
    tables = head["resource"]["google_bigquery_table"]
    schema = json.loads(tables["warehouse_features_daily"]["schema"])
    schema.append({"name": "new_kpi", "type": "FLOAT64", "mode": "NULLABLE", "description": "x"})
    tables["warehouse_features_daily"]["schema"] = json.dumps(schema)
    head["resource"]["google_cloud_scheduler_job"]["orchestration_scheduler"]["schedule"] = (
        "0 9 * * *"
    )
    del head["resource"]["google_compute_firewall"]
    head["resource"]["google_storage_bucket"]["storage_extra"] = {"name": "x"}

    result = plan_summary.diff(base, head)
    assert result.added == ["google_storage_bucket.storage_extra"]
    assert result.removed == ["google_compute_firewall.compute_internal_firewall"]
    assert result.changed == {
        "google_bigquery_table.warehouse_features_daily": ["+schema[new_kpi]"],
        "google_cloud_scheduler_job.orchestration_scheduler": ["schedule"],
    }
    text = "\n".join(plan_summary.render_diff(result, "base"))
    assert "1 to add, 2 to change, 1 to remove" in text
    assert plan_summary.diff(base, copy.deepcopy(base)).empty


def test_summary_counts_resources_by_type(stacks):
    lines = plan_summary.render_summary(stacks["tickets-dev"].data, "tickets-dev")
    assert lines[0].startswith("Stack tickets-dev: ")
    tables = str(len(schemas.tables()))
    assert any(line.split() == ["google_bigquery_table", tables] for line in lines)


def test_plan_without_credentials_prints_the_offline_summary(
    stacks, synth_out, settings, monkeypatch, capsys, tmp_path
):
    for variable in (
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_OAUTH_ACCESS_TOKEN",
        "GOOGLE_CREDENTIALS",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    cached = tmp_path / "out"
    (cached / ".base").mkdir(parents=True)
    shutil.copytree(synth_out / "out" / "stacks", cached / "stacks")
    # the base is the same stack: seed the per-commit cache so no second synth runs
    commit, _ = plan_summary.base_revision("HEAD")
    base_file = cached / ".base" / commit / "out" / "stacks" / "tickets-dev" / "cdk.tf.json"
    base_file.parent.mkdir(parents=True)
    shutil.copyfile(stacks["tickets-dev"].path, base_file)

    code = terraform.plan(EnvNames(settings["dev"]), cached, "HEAD")
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("plan: tickets-dev: cannot run terraform plan here (")
    assert "offline summary follows" in out[0]
    assert any(line.startswith("Stack tickets-dev:") for line in out)
    assert any(line.startswith("No changes against HEAD") for line in out)


def test_destroy_refuses_a_protected_environment_without_confirmation(settings, tmp_path):
    with pytest.raises(terraform.TerraformError, match="CONFIRM=prod"):
        terraform.destroy(EnvNames(settings["prod"]), tmp_path, confirm=None, auto_approve=False)
    with pytest.raises(terraform.TerraformError, match="CONFIRM=prod"):
        terraform.destroy(EnvNames(settings["prod"]), tmp_path, confirm="dev", auto_approve=False)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_plan_with_credentials_fails_when_terraform_cannot_init(
    synth_out, settings, monkeypatch, capsys, tmp_path
):
    # A pull request whose plan cannot run must not report green with the offline summary.
    key = tmp_path / "key.json"
    key.write_text('{"type": "service_account", "project_id": "ops-tickets-dev"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv("TF_DATA_DIR", str(tmp_path / "tf"))

    code = terraform.main(["plan", "--env", "dev", "--outdir", str(synth_out / "out")])

    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("plan: terraform init failed with credentials present: Error:")
    assert "offline summary" not in err
