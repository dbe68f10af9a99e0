"""`make preflight`: the regional quotas against the largest batch, and the example values.

The quotas are read by the official `CloudQuotasClient` (REST transport) from a
real HTTP server on 127.0.0.1 (rehearsal/quotas.py) answering QuotaInfo JSON as
the Cloud Quotas API does. The needs are worked out here by hand from env/dev's
sizing and functions/runners/dataproc.py, not taken from the code under test:

- vCPUs: a backfill batch is a driver of 4 cores and at most 6 executors of 4
  cores: 4 + 6 × 4 = 28;
- disk: no disk size is set, so each of those 7 VMs gets the default 100 GiB per
  core × 4 cores = 400 GB: 400 + 6 × 400 = 2800.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator

import pytest

from jobs import config
from rehearsal.dataproc import DataprocStandIn
from rehearsal.quotas import QuotasStandIn
from workstation import cli as workstation_cli
from workstation import preflight

CPUS, DISKS = "CPUS-per-project-region", "DISKS-TOTAL-GB-per-project-region"
REGION = "asia-south1"  # env/dev/config.toml
BACKFILL_CPUS = 4 + 6 * 4  # driver + 6 executors × 4 cores = 28
BACKFILL_DISK_GB = 400 + 6 * 400  # 100 GiB per core × 4 cores each, 7 VMs = 2800
DEV_CONFIG = "env/dev/config.toml"


@pytest.fixture
def dev() -> config.Settings:
    return config.load("dev", env_dir=config.ENV_DIR)


@pytest.fixture
def quotas() -> Iterator[QuotasStandIn]:
    with QuotasStandIn().serving() as server:
        yield server


@pytest.fixture
def client(quotas: QuotasStandIn):
    return preflight.new_client({preflight.ENDPOINT_VARIABLE: quotas.endpoint})


def real_looking(settings: config.Settings, **gcp) -> config.Settings:
    """`settings` with values a real project could have in place of every example."""
    values = {
        "operators": ("group:data-eng@acme-analytics.in", "user:ravi@acme-analytics.in"),
        "alert_email": "ops-alerts@acme-analytics.in",
        "github_repository": "acme-analytics/ops-ticket-analytics",
        "github_repository_id": "704123987",
        "github_repository_owner_id": "58201934",
        **gcp,
    }
    return dataclasses.replace(settings, gcp=dataclasses.replace(settings.gcp, **values))


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- quotas ------------------------------------------------------------------------------


def test_a_cpu_quota_below_the_backfill_fails_with_one_line_naming_quota_need_and_limit(
    dev, quotas, client, capsys
):
    quotas.set_limit(CPUS, 24)  # a new project's default in many regions

    assert preflight.run(real_looking(dev), client=client) == 1

    [line] = lines(capsys.readouterr().err)
    assert line.startswith(f"preflight: Compute Engine CPUS in {REGION} (quota {CPUS}) is 24, ")
    assert f"a backfill batch can request {BACKFILL_CPUS} (driver 4 + 6 executors × 4)" in line
    assert (
        f"ask for {BACKFILL_CPUS} or more at https://console.cloud.google.com/iam-admin/quotas"
        in line
    )
    assert "gcp.batch_backfill_max_executors" in line  # the other way out


def test_enough_quota_passes_with_one_line_per_quota(dev, client, capsys):
    assert preflight.run(real_looking(dev), client=client) == 0

    out, err = capsys.readouterr()
    assert err == ""
    cpus, disks = lines(out)
    assert f"(quota {CPUS}): limit 200" in cpus and f"request {BACKFILL_CPUS} " in cpus
    assert f"(quota {DISKS}): limit 20480" in disks and f"request {BACKFILL_DISK_GB} " in disks


def test_the_limit_of_the_environments_region_wins_over_the_default_entry(
    dev, quotas, client, capsys
):
    settings = real_looking(dev)
    quotas.set_limit(CPUS, 24)  # every other region
    quotas.set_limit(CPUS, 32, region=REGION)
    quotas.set_limit(CPUS, 8, region="asia-east1")  # listed before it, and too low
    assert preflight.run(settings, client=client) == 0
    assert f"{REGION} (quota {CPUS}): limit 32" in capsys.readouterr().out

    quotas.set_limit(CPUS, 200)
    quotas.set_limit(CPUS, 16, region=REGION)
    quotas.set_limit(CPUS, 500, region="us-central1")  # another region's increase
    assert preflight.run(settings, client=client) == 1
    assert f"{REGION} (quota {CPUS}) is 16, " in capsys.readouterr().err


def test_the_disk_need_is_the_default_100_gib_per_core_of_every_vm(dev, quotas, client, capsys):
    settings = real_looking(dev)
    quotas.set_limit(DISKS, BACKFILL_DISK_GB - 1)
    assert preflight.run(settings, client=client) == 1
    [line] = lines(capsys.readouterr().err)
    assert f"DISKS_TOTAL_GB in {REGION} (quota {DISKS}) is 2799, " in line
    assert "can request 2800 (driver 400 + 6 executors × 400 GB)" in line

    quotas.set_limit(DISKS, BACKFILL_DISK_GB)  # exactly enough is enough
    assert preflight.run(settings, client=client) == 0


def test_sizes_the_properties_set_are_used_and_dynamic_allocation_bounds_the_executors():
    properties = {
        "spark.driver.cores": "8",
        "spark.executor.cores": "4",
        "spark.executor.instances": "2",
        "spark.dynamicAllocation.maxExecutors": "3",
        "spark.dataproc.driver.disk.size": "250g",
        "spark.dataproc.executor.disk.size": "1t",
    }
    cpus, disks = preflight.needs_of(properties, "backfill")
    assert (cpus.amount, disks.amount) == (8 + 3 * 4, 250 + 3 * 1024)  # 20 vCPUs, 3322 GB

    # Without dynamic allocation the batch holds its instances; unset maxExecutors is 1000.
    fixed = {**properties, "spark.dynamicAllocation.enabled": "false"}
    assert preflight.needs_of(fixed, "backfill")[0].amount == 8 + 2 * 4
    del properties["spark.dynamicAllocation.maxExecutors"]
    assert preflight.needs_of(properties, "backfill")[0].amount == 8 + 1000 * 4


def test_a_refused_read_names_the_permission_and_the_role(dev, quotas, client, capsys):
    quotas.refuse("IAM_PERMISSION_DENIED")
    assert preflight.run(real_looking(dev), client=client) == 1
    [line] = lines(capsys.readouterr().err)
    assert f"reading quota {CPUS} of ops-tickets-dev was refused" in line
    assert "cloudquotas.quotas.get" in line and "roles/cloudquotas.viewer" in line


def test_a_disabled_api_names_the_api_and_what_enables_it(dev, quotas, client, capsys):
    quotas.refuse("SERVICE_DISABLED")
    assert preflight.run(real_looking(dev), client=client) == 1
    [line] = lines(capsys.readouterr().err)
    assert "the Cloud Quotas API (cloudquotas.googleapis.com) is not enabled" in line
    assert "make bootstrap" in line


def test_a_local_environment_has_nothing_to_check(capsys):
    assert preflight.run(config.load("local"), client=object()) == 0
    assert lines(capsys.readouterr().out) == [
        "preflight: local is a local environment: nothing to check"
    ]


def test_the_command_line_reads_the_quotas_at_the_endpoint_it_is_given(
    dev, quotas, monkeypatch, capsys
):
    monkeypatch.setenv(preflight.ENDPOINT_VARIABLE, quotas.endpoint)
    quotas.set_limit(CPUS, 24)
    assert workstation_cli.main(["--env", "dev", "preflight"]) == 1
    assert f"(quota {CPUS}) is 24, " in capsys.readouterr().err
    name = "projects/ops-tickets-dev/locations/global/services/compute.googleapis.com/quotaInfos"
    assert quotas.gets == [f"{name}/{CPUS}", f"{name}/{DISKS}"]


# --- example values ----------------------------------------------------------------------


def test_the_shipped_dev_config_reports_every_example_value(dev, client, capsys):
    assert [(p.key, p.value) for p in preflight.placeholders(dev)] == [
        ("gcp.operators", "group:data-eng@example.com"),
        ("gcp.alert_email", "data-eng-alerts@example.com"),
        ("gcp.github_repository", "example-org/ops-ticket-analytics"),
        ("gcp.github_repository_id", "123456789"),
        ("gcp.github_repository_owner_id", "98765432"),
    ]
    assert preflight.run(dev, client=client) == 0  # reported, not fatal
    reported = [line for line in lines(capsys.readouterr().out) if " is an example " in line]
    assert len(reported) == 5 and all(f" in {DEV_CONFIG} is an example " in r for r in reported)


def test_the_shipped_prod_config_holds_examples_too():
    keys = {p.key for p in preflight.placeholders(config.load("prod", env_dir=config.ENV_DIR))}
    assert keys == {"gcp.operators", "gcp.alert_email", "gcp.github_repository",
                    "gcp.github_repository_id", "gcp.github_repository_owner_id"}  # fmt: skip


def test_with_deploy_one_example_value_is_fatal_before_any_quota_is_read(
    dev, quotas, client, capsys
):
    settings = real_looking(dev, operators=("group:data-eng@acme-analytics.in",
                                            "user:someone@corp.example"))  # fmt: skip

    assert preflight.run(settings, deploy=True, client=client) == 1

    first, last = lines(capsys.readouterr().err)
    assert first.startswith(
        f"preflight: gcp.operators = 'user:someone@corp.example' in {DEV_CONFIG} is an example"
    )
    assert "the deploy stops here" in last and "nothing was packaged" in last
    assert quotas.gets == []


def test_real_looking_values_report_none(dev, client, capsys):
    assert preflight.placeholders(real_looking(dev)) == []
    assert preflight.run(real_looking(dev), deploy=True, client=client) == 0
    assert " is an example " not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("domain", "reserved"),
    [
        ("example.com", True),
        ("example.net", True),
        ("mail.example.org", True),
        ("corp.example", True),
        ("ci.test", True),
        ("nowhere.invalid", True),
        ("EXAMPLE.COM.", True),
        ("examples.com", False),
        ("notexample.com", False),
        ("example.com.au", False),
        ("example.co", False),
        ("testing.io", False),
    ],
)
def test_the_domains_rfc_2606_reserves(domain, reserved):
    assert preflight.reserved_domain(domain) is reserved


@pytest.mark.parametrize("target", ["deploy", "bootstrap"])
def test_make_deploy_and_bootstrap_refuse_example_values_before_packaging(target):
    """The real targets: the shipped env/dev config stops them before synth or packaging
    (bootstrap would make CI trust the sample repository ids)."""
    dropped = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "TICKETS_", "CLOUD_QUOTAS_API_ENDPOINT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    proc = subprocess.run(
        ["make", "--no-print-directory", target, "ENV=dev"],
        cwd=config.REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert f"preflight: gcp.operators = 'group:data-eng@example.com' in {DEV_CONFIG}" in output
    assert "the deploy stops here" in output
    assert not [line for line in lines(output) if line.startswith(("synth:", "package:"))]


# --- make backfill and make replay in a cloud environment ---------------------------------


@pytest.fixture
def cloud_cli(quotas, monkeypatch) -> Iterator[DataprocStandIn]:
    """The workstation's environment for a cloud backfill, at the stand-ins."""
    with DataprocStandIn().serving() as dataproc:
        values = {
            preflight.ENDPOINT_VARIABLE: quotas.endpoint,
            "DATAPROC_API_ENDPOINT": dataproc.endpoint,
            "JOB_ENTRYPOINT_URI": "gs://ops-tickets-dev-artifacts/jobs/dataproc_main-01.py",
            "JOB_ARCHIVE_URI": "gs://ops-tickets-dev-artifacts/jobs/jobs-02.zip",
            "JOB_DEPS_URI": "gs://ops-tickets-dev-artifacts/jobs/batch-deps-03.zip",
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        yield dataproc


def test_a_backfill_the_quota_cannot_hold_is_not_submitted(quotas, cloud_cli, capsys):
    quotas.set_limit(CPUS, 24)
    argv = ["--env", "dev", "backfill", "--from", "2025-01-01", "--to", "2025-01-31"]

    assert workstation_cli.main(argv) == 1

    out, err = capsys.readouterr()
    assert out == "" and f"(quota {CPUS}) is 24, " in err
    assert cloud_cli.creates == []
    assert workstation_cli.main(["--env", "dev", "replay", "--from", "2025-11-15"]) == 1
    assert cloud_cli.creates == []


def test_a_backfill_that_fits_reports_the_example_values_on_stderr_and_submits(
    quotas, cloud_cli, capsys
):
    argv = ["--env", "dev", "backfill", "--from", "2025-01-01", "--to", "2025-01-31"]

    assert workstation_cli.main(argv) == 0

    out, err = capsys.readouterr()
    ident = "tickets-dev-backfill-20250101-20250131-a1"
    assert out.strip() == f"backfill: submitted batch {ident} for 2025-01-01..2025-01-31"
    assert "gcp.operators" in err and f"request {BACKFILL_CPUS} " in err
    assert cloud_cli.created_ids == [ident]
    assert len(quotas.gets) == 2
