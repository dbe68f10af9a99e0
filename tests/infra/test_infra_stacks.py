"""The synthesized environment stacks, resource by resource."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from jobs import schemas

pytestmark = pytest.mark.infra

ENVS = ("dev", "prod")
SCHEMA_DIR = Path(schemas.SCHEMA_DIR)


@pytest.fixture(params=ENVS)
def env(request):
    return request.param


@pytest.fixture
def stack(stacks, env):
    return stacks[f"tickets-{env}"]


@pytest.fixture
def gcp(settings, env):
    return settings[env].gcp


def test_provider_backend_and_labels(stack, gcp, env):
    provider = stack.data["provider"]["google"][0]
    assert provider["project"] == gcp.project
    assert provider["region"] == gcp.region
    assert provider["default_labels"] == {"env": env, "app": "ops-tickets", "managed-by": "cdktn"}
    assert stack.data["terraform"]["backend"] == {
        "gcs": {"bucket": gcp.state_bucket, "prefix": f"tickets/{env}"}
    }
    assert stack.data["terraform"]["required_providers"]["google"]["source"] == "hashicorp/google"


def test_tables_are_built_from_the_schema_files(stack, gcp):
    layout = json.loads((SCHEMA_DIR / "tables.json").read_text(encoding="utf-8"))
    tables = stack.resources("google_bigquery_table")
    assert sorted(t["table_id"] for t in tables.values()) == sorted(layout)
    for conf in tables.values():
        name = conf["table_id"]
        spec = layout[name]
        assert json.loads(conf["schema"]) == json.loads(
            (SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8")
        )
        assert stack.resolve(conf["dataset_id"]) == gcp.dataset
        assert conf["time_partitioning"] == {
            "type": spec["time_partitioning"]["type"],
            "field": spec["time_partitioning"]["field"],
        }
        assert conf.get("clustering") == (spec["clustering"] or None)
        assert conf["description"] == spec["description"]
        assert conf["deletion_protection"] is gcp.deletion_protection
        expect_filter = gcp.require_partition_filter and spec["layer"] == "raw"
        assert conf["require_partition_filter"] is expect_filter, name


def test_prod_protects_its_data(stacks):
    prod = stacks["tickets-prod"]
    assert all(t["deletion_protection"] for t in prod.resources("google_bigquery_table").values())
    assert (
        prod.resource("google_bigquery_dataset", "warehouse_dataset")["delete_contents_on_destroy"]
        is False
    )
    for name in ("storage_landing", "storage_artifacts"):
        assert prod.resource("google_storage_bucket", name)["force_destroy"] is False
    raw = prod.resource("google_bigquery_table", "warehouse_tickets_raw")
    assert raw["require_partition_filter"] is True
    # tables read across all partitions by the daily run and by dashboards stay filter-free
    for name in ("warehouse_ingestion_state", "warehouse_fact_tickets", "warehouse_features_daily"):
        assert prod.resource("google_bigquery_table", name)["require_partition_filter"] is False


def test_datasets(stack, gcp):
    main = stack.resource("google_bigquery_dataset", "warehouse_dataset")
    staging = stack.resource("google_bigquery_dataset", "warehouse_staging_dataset")
    assert main["dataset_id"] == gcp.dataset and main["location"] == gcp.dataset_location
    assert "default_table_expiration_ms" not in main
    assert staging["dataset_id"] == f"{gcp.dataset}_staging"
    assert staging["location"] == gcp.dataset_location
    assert staging["default_table_expiration_ms"] == 24 * 3600 * 1000
    assert "access" not in main and "access" not in staging  # access only via IAM members


def test_buckets_are_private_and_expire_what_they_should(stack, gcp):
    buckets = {b["name"]: b for b in stack.resources("google_storage_bucket").values()}
    assert set(buckets) == {gcp.landing_bucket, gcp.artifacts_bucket, gcp.staging_bucket}
    for bucket in buckets.values():
        assert bucket["uniform_bucket_level_access"] is True
        assert bucket["public_access_prevention"] == "enforced"
        assert bucket["location"] == gcp.region.upper()
        assert bucket["versioning"] == {"enabled": True}
    for name in (gcp.landing_bucket, gcp.artifacts_bucket):
        rules = buckets[name]["lifecycle_rule"]
        assert {
            "action": {"type": "Delete"},
            "condition": {"days_since_noncurrent_time": 30, "with_state": "ARCHIVED"},
        } in rules
        assert buckets[name]["force_destroy"] is (not gcp.deletion_protection)
    staging = buckets[gcp.staging_bucket]
    assert {"action": {"type": "Delete"}, "condition": {"age": 1, "with_state": "ANY"}} in staging[
        "lifecycle_rule"
    ]
    assert staging["soft_delete_policy"] == {"retention_duration_seconds": 0}


def test_function(stack, gcp, env):
    fn = stack.only("google_cloudfunctions2_function")
    assert fn["name"] == f"tickets-{env}-tick"
    assert fn["location"] == gcp.region
    build, service = fn["build_config"], fn["service_config"]
    assert build["runtime"] == gcp.function_runtime == "python312"
    assert build["entry_point"] == "tick"
    assert stack.resolve(build["service_account"]) == (
        f"projects/{gcp.project}/serviceAccounts/tickets-{env}-builder@{gcp.project}.iam.gserviceaccount.com"
    )
    assert (
        build["docker_repository"]
        == "${google_artifact_registry_repository.orchestration_repository.id}"
    )
    source = build["source"]["storage_source"]
    assert stack.resolve(source["bucket"]) == gcp.artifacts_bucket
    assert stack.resolve(source["object"]).startswith("functions/function-")
    assert service["ingress_settings"] == "ALLOW_INTERNAL_ONLY"
    assert (
        stack.resolve(service["service_account_email"])
        == f"tickets-{env}-fn@{gcp.project}.iam.gserviceaccount.com"
    )
    assert service["max_instance_count"] == 1
    jobs_object = stack.resource("google_storage_bucket_object", "code_jobs_archive")["name"]
    deps_object = stack.resource("google_storage_bucket_object", "code_batch_deps")["name"]
    entry_object = stack.resource("google_storage_bucket_object", "code_entrypoint")["name"]
    assert service["environment_variables"] == {
        "TICKETS_ENV": env,
        "GCP_PROJECT": gcp.project,
        "GCP_REGION": gcp.region,
        "BQ_DATASET": gcp.dataset,
        "BQ_STAGING_DATASET": f"{gcp.dataset}_staging",
        "LANDING_BUCKET": gcp.landing_bucket,
        "STAGING_BUCKET": gcp.staging_bucket,
        "ARTIFACTS_BUCKET": gcp.artifacts_bucket,
        "JOB_ARCHIVE_URI": f"gs://{gcp.artifacts_bucket}/{jobs_object}",
        "JOB_DEPS_URI": f"gs://{gcp.artifacts_bucket}/{deps_object}",
        "JOB_ENTRYPOINT_URI": f"gs://{gcp.artifacts_bucket}/{entry_object}",
        "RUNNER_SERVICE_ACCOUNT": f"tickets-{env}-runner@{gcp.project}.iam.gserviceaccount.com",
        "SUBNETWORK_URI": (
            f"projects/{gcp.project}/regions/{gcp.region}/subnetworks/tickets-{env}-dataproc"
        ),
        "DATAPROC_RUNTIME": gcp.dataproc_runtime,
    }
    # the first build waits until the builder's grants are in force (IAM propagates within
    # minutes, not at once) and Google's service agents exist
    assert "time_sleep.iam_propagation" in fn["depends_on"]
    wait = stack.resource("time_sleep", "iam_propagation")
    assert wait["create_duration"] == "120s"
    assert (
        len([a for a in wait["depends_on"] if a.startswith("google_") and "iam_builder_" in a]) == 4
    )
    # ... and so do the service agents' roles (each grant waits for its agent)
    assert {a for a in wait["depends_on"] if "_agent_" in a} == {
        "google_project_iam_member.iam_agent_scheduler_project_cloudscheduler_serviceAgent",
        "google_project_iam_member.iam_agent_dataproc_project_dataproc_serviceAgent",
        "google_project_iam_member.iam_agent_dataprocrm_node_project_dataprocrm_nodeServiceAgent",
    }


def test_service_agents_are_created_at_deploy(stack, gcp):
    # A fresh project gets them when an API is first used, which could be the first tick.
    agents = stack.resources("google_project_service_identity")
    assert {a["service"] for a in agents.values()} == {
        "cloudscheduler.googleapis.com",
        "dataproc.googleapis.com",
        "dataprocrm.googleapis.com",
    }
    assert all(
        a["provider"] == "google-beta" and a["project"] == gcp.project for a in agents.values()
    )


def test_scheduler(stack, gcp, env):
    job = stack.only("google_cloud_scheduler_job")
    function_uri = "${google_cloudfunctions2_function.orchestration_function.service_config[0].uri}"
    assert job["name"] == f"tickets-{env}-daily"
    assert job["schedule"] == gcp.schedule == "0 8 * * *"
    assert job["time_zone"] == gcp.schedule_time_zone == "Asia/Kolkata"
    assert job["region"] == gcp.region
    target = job["http_target"]
    assert target["uri"] == function_uri and target["http_method"] == "POST"
    assert target["oidc_token"]["audience"] == function_uri
    assert stack.resolve(target["oidc_token"]["service_account_email"]) == (
        f"tickets-{env}-scheduler@{gcp.project}.iam.gserviceaccount.com"
    )
    assert json.loads(base64.b64decode(target["body"])) == {"source": "cloud-scheduler"}
    assert job["retry_config"] == {
        "retry_count": 3,
        "min_backoff_duration": "60s",
        "max_backoff_duration": "600s",
        "max_doublings": 3,
    }


def test_network_for_dataproc_serverless(stack, gcp, env):
    network = stack.only("google_compute_network")
    subnet = stack.only("google_compute_subnetwork")
    firewall = stack.only("google_compute_firewall")
    assert network["auto_create_subnetworks"] is False
    assert subnet["name"] == f"tickets-{env}-dataproc"
    assert subnet["ip_cidr_range"] == gcp.subnetwork_cidr
    assert subnet["private_ip_google_access"] is True
    assert subnet["region"] == gcp.region
    assert subnet["log_config"]["aggregation_interval"] == "INTERVAL_10_MIN"
    # flow logs as each environment's config sets them: a tenth without metadata in dev
    sampling = {"dev": (0.1, "EXCLUDE_ALL_METADATA"), "prod": (0.5, "INCLUDE_ALL_METADATA")}
    log = subnet["log_config"]
    assert (log["flow_sampling"], log["metadata"]) == sampling[env]
    assert firewall["direction"] == "INGRESS"
    assert firewall["source_ranges"] == [gcp.subnetwork_cidr]


def test_code_objects_are_named_by_content(stack, synth_out, env):
    objects = stack.resources("google_storage_bucket_object")
    assert set(objects) == {
        "code_jobs_archive",
        "code_batch_deps",
        "code_entrypoint",
        "code_function_source",
    }
    for obj in objects.values():
        asset = stack.path.parent / obj["source"]
        digest = hashlib.sha256(asset.read_bytes()).hexdigest()
        assert digest[:16] in obj["name"], obj["name"]
        assert Path(obj["name"]).name == asset.name
    manifest = json.loads((synth_out / "dist" / env / "manifest.json").read_text(encoding="utf-8"))
    assert objects["code_jobs_archive"]["name"] == manifest["jobs"]["object_name"]
    assert objects["code_batch_deps"]["name"] == manifest["deps"]["object_name"]


def test_alerting(stack, gcp, env):
    channel = stack.only("google_monitoring_notification_channel")
    assert channel["type"] == "email" and channel["labels"] == {"email_address": gcp.alert_email}
    policies = stack.resources("google_monitoring_alert_policy")
    assert set(policies) == {
        "monitoring_batch_failed",
        "monitoring_trigger_failed",
        "monitoring_extracts_changed",
    }
    for policy in policies.values():
        assert policy["notification_channels"] == [
            "${google_monitoring_notification_channel.monitoring_email.id}"
        ]
        assert policy["alert_strategy"]["notification_rate_limit"]["period"]
    batch = policies["monitoring_batch_failed"]["conditions"][0]["condition_matched_log"]["filter"]
    assert 'resource.type="cloud_dataproc_batch"' in batch and "severity>=ERROR" in batch
    # only this environment's batches: their ids, written out by hand
    ids = re.search(r'resource\.labels\.batch_id=~"([^"]+)"', batch)[1]
    ours = [f"tickets-{env}-20251101-a1", f"tickets-{env}-backfill-20250101-20251031-a2",
            f"tickets-{env}-replay-20250103-4c00fa53-a1"]  # fmt: skip
    others = ["some-other-job-20251101", f"tickets-{env}x-20251101-a1",
              f"tickets-{env}-eu-20251101-a1", f"x-tickets-{env}-20251101-a1"]  # fmt: skip
    assert [bool(re.search(ids, i)) for i in ours + others] == [True] * 3 + [False] * 4
    trigger = policies["monitoring_trigger_failed"]["conditions"][0]["condition_matched_log"][
        "filter"
    ]
    assert f'resource.labels.service_name="tickets-{env}-tick"' in trigger
    assert f'resource.labels.job_id="tickets-{env}-daily"' in trigger


def test_re_delivered_extracts_are_counted_and_alerted(stack, env):
    """The function's changed_extracts warning (functions/trigger.py) feeds a log-based
    metric, and a policy fires on any count above zero."""
    metric = stack.only("google_logging_metric")
    assert metric["name"] == f"tickets-{env}-changed-extracts"
    assert f'resource.labels.service_name="tickets-{env}-tick"' in metric["filter"]
    assert 'jsonPayload.event="changed_extracts"' in metric["filter"]
    assert metric["metric_descriptor"] == {
        "metric_kind": "DELTA",
        "value_type": "INT64",
        "unit": "1",
    }
    policy = stack.resources("google_monitoring_alert_policy")["monitoring_extracts_changed"]
    threshold = policy["conditions"][0]["condition_threshold"]
    assert (
        f'metric.type="logging.googleapis.com/user/tickets-{env}-changed-extracts"'
        in (threshold["filter"])
    )
    assert threshold["comparison"] == "COMPARISON_GT" and threshold["threshold_value"] == 0
    assert "make replay FROM=" in policy["documentation"]["content"]


def test_apis_are_enabled_and_never_disabled(stack):
    services = {s["service"]: s for s in stack.resources("google_project_service").values()}
    for api in (
        "cloudfunctions",
        "run",
        "cloudbuild",
        "cloudscheduler",
        "dataproc",
        "bigquery",
        "compute",
        "monitoring",
    ):
        assert f"{api}.googleapis.com" in services
    assert all(s["disable_on_destroy"] is False for s in services.values())


def test_outputs(stack):
    assert set(stack.data["output"]) >= {
        "landing_bucket",
        "artifacts_bucket",
        "staging_bucket",
        "dataset",
        "staging_dataset",
        "function_url",
        "function_service_account",
        "runner_service_account",
        "scheduler_service_account",
    }


def test_stacks_differ_only_by_configuration(stacks):
    """Same resources in both environments; only configured values differ."""
    dev, prod = stacks["tickets-dev"], stacks["tickets-prod"]
    addresses = lambda s: {(t, n) for t, items in s.data["resource"].items() for n in items}  # noqa: E731
    assert addresses(dev) == addresses(prod)
