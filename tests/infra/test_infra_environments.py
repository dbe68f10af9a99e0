"""Every env folder with platform = "gcp" is a stack; a new folder needs no code change."""

from __future__ import annotations

import json
import shutil

import pytest

from infra import envs, main

pytestmark = pytest.mark.infra


def test_cloud_environments():
    assert envs.cloud_environments() == ["dev", "prod"]
    assert envs.resolve_envs(None) == ["dev", "prod"]
    assert envs.resolve_envs(["local"]) == ["dev", "prod"]  # the Makefile's default ENV
    assert envs.resolve_envs(["prod"]) == ["prod"]


def test_both_environments_synthesize(stacks):
    assert set(stacks) == {"tickets-dev", "tickets-prod", "bootstrap-dev", "bootstrap-prod"}
    for stack in stacks.values():
        assert stack.data["resource"]


def test_a_third_environment_needs_no_code_change(tmp_path, source_root, stacks):
    env_dir = tmp_path / "env"
    shutil.copytree(main.config.ENV_DIR, env_dir)
    text = (env_dir / "dev" / "config.toml").read_text(encoding="utf-8")
    text = text.replace('name = "dev"', 'name = "qa"').replace("ops-tickets-dev", "ops-tickets-qa")
    text = text.replace('subnetwork_cidr = "10.10.0.0/24"', 'subnetwork_cidr = "10.30.0.0/24"')
    (env_dir / "qa").mkdir()
    (env_dir / "qa" / "config.toml").write_text(text, encoding="utf-8")

    assert envs.cloud_environments(env_dir) == ["dev", "prod", "qa"]
    out = tmp_path / "out"
    main.synth(None, outdir=out, dist=tmp_path / "dist", env_dir=env_dir, root=source_root)

    qa = json.loads((out / "stacks" / "tickets-qa" / "cdk.tf.json").read_text(encoding="utf-8"))
    assert qa["provider"]["google"][0]["project"] == "ops-tickets-qa"
    assert qa["terraform"]["backend"]["gcs"] == {
        "bucket": "ops-tickets-qa-tfstate",
        "prefix": "tickets/qa",
    }
    buckets = {b["name"] for b in qa["resource"]["google_storage_bucket"].values()}
    assert buckets == {
        "ops-tickets-qa-landing",
        "ops-tickets-qa-artifacts",
        "ops-tickets-qa-staging",
    }
    assert (
        qa["resource"]["google_compute_subnetwork"]["compute_subnetwork"]["ip_cidr_range"]
        == "10.30.0.0/24"
    )
    assert (out / "stacks" / "bootstrap-qa" / "cdk.tf.json").is_file()

    # synthesis is deterministic: dev from this second app equals dev from the session's
    dev = json.loads((out / "stacks" / "tickets-dev" / "cdk.tf.json").read_text(encoding="utf-8"))
    assert dev == stacks["tickets-dev"].data


def test_an_environment_name_too_long_for_gcp_names_is_refused(settings):
    import dataclasses

    from infra.naming import EnvNames, NamingError

    long = dataclasses.replace(settings["dev"], name="a-very-long-environment")
    with pytest.raises(NamingError):
        EnvNames(long).account_id("scheduler")
