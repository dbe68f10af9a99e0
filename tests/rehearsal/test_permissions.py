"""Each kind of recorded call maps to the permissions Google documents for it."""

from __future__ import annotations

import pytest

from rehearsal.permissions import Call, Need, UnknownCall, needs, tables_of
from rehearsal.recorder import Proxy, Recorder

P = "ops-tickets-dev"


def call(service_name: str, method: str, path: str, **details) -> Call:
    return Call("runner", "batch", service_name, method, path, 200, details)


def test_a_commit_script_reads_and_writes_the_tables_it_names():
    script = (
        "BEGIN TRANSACTION; "
        "SELECT ERROR('x') FROM ingestion_state WHERE status = 'succeeded' HAVING COUNT(*) > 0; "
        "DELETE FROM features_daily WHERE business_date BETWEEN DATE '2025-01-01' "
        "AND DATE '2025-01-02'; "
        "INSERT INTO features_daily (a) SELECT a FROM `ops_analytics_staging.run_features_daily`; "
        "MERGE INTO fact_tickets AS t USING `ops_analytics_staging.run_fact` AS s "
        "ON t.ticket_id = s.ticket_id WHEN MATCHED THEN UPDATE SET a = s.a; "
        "COMMIT TRANSACTION;"
    )
    reads, writes = tables_of(script, "ops_analytics")
    # INSERT's target is written, not read; DELETE and MERGE read their target too
    assert reads == {
        "ops_analytics.ingestion_state",
        "ops_analytics.features_daily",
        "ops_analytics_staging.run_features_daily",
        "ops_analytics.fact_tickets",
        "ops_analytics_staging.run_fact",
    }
    assert writes == {"ops_analytics.features_daily", "ops_analytics.fact_tickets"}


def test_a_cte_is_not_a_table():
    reads, writes = tables_of(
        "WITH m AS (SELECT 1 AS x FROM daily_ops_metrics) SELECT * FROM m", "ops"
    )
    assert (reads, writes) == ({"ops.daily_ops_metrics"}, set())


def test_a_query_job_needs_the_job_and_the_data():
    job = {
        "configuration": {
            "query": {
                "query": "SELECT * FROM ingestion_state",
                "defaultDataset": {"projectId": P, "datasetId": "ops_analytics"},
            }
        }
    }
    assert needs(call("bigquery", "POST", f"/bigquery/v2/projects/{P}/jobs", **job), P) == [
        Need("bigquery.jobs.create", "project"),
        Need("bigquery.tables.getData", "table:ops_analytics.ingestion_state"),
    ]


def test_a_load_job_needs_the_destination_and_the_source_object():
    job = {
        "configuration": {
            "load": {
                "sourceUris": ["gs://ops-tickets-dev-staging/commits/r/fact_tickets.parquet"],
                "destinationTable": {"datasetId": "ops_analytics_staging", "tableId": "r_fact"},
            }
        }
    }
    table, bucket = "table:ops_analytics_staging.r_fact", "bucket:ops-tickets-dev-staging"
    assert needs(call("bigquery", "POST", f"/bigquery/v2/projects/{P}/jobs", **job), P) == [
        Need("bigquery.jobs.create", "project"),
        Need("bigquery.tables.create", table),
        Need("bigquery.tables.updateData", table),
        Need("bigquery.tables.update", table),
        Need("storage.buckets.get", bucket),
        Need("storage.objects.get", bucket),
    ]


BQ = f"/bigquery/v2/projects/{P}"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", f"{BQ}/queries/abc", [("bigquery.jobs.create", "project")]),
        ("GET", f"{BQ}/datasets/ds", [("bigquery.datasets.get", "dataset:ds")]),
        ("POST", f"{BQ}/datasets/ds/tables", [("bigquery.tables.create", "dataset:ds")]),
        ("DELETE", f"{BQ}/datasets/ds/tables/t", [("bigquery.tables.delete", "table:ds.t")]),
        ("GET", f"{BQ}/datasets/ds/tables/t/data", [("bigquery.tables.getData", "table:ds.t")]),
        ("GET", f"{BQ}/datasets/_anon1/tables/t/data", []),  # a query's own results
    ],
)
def test_bigquery_methods(method, path, expected):
    found = needs(call("bigquery", method, path), P)
    assert [(n.permission, n.resource) for n in found] == expected


OBJECT = [("storage.objects.get", "bucket:land")]
CREATE = [("storage.objects.create", "bucket:land")]


@pytest.mark.parametrize(
    ("method", "path", "details", "expected"),
    [
        ("GET", "/storage/v1/b/land/o/tickets/dt=2025-01-01/x.csv", {}, OBJECT),
        ("GET", "/download/storage/v1/b/land/o/x.csv", {}, OBJECT),
        ("GET", "/storage/v1/b/land/o", {}, [("storage.objects.list", "bucket:land")]),
        ("DELETE", "/storage/v1/b/land/o/x", {}, [("storage.objects.delete", "bucket:land")]),
        ("POST", "/upload/storage/v1/b/land/o", {"replaces": False}, CREATE),
        # replacing an object also deletes the old one
        (
            "POST",
            "/upload/storage/v1/b/land/o",
            {"replaces": True},
            [*CREATE, ("storage.objects.delete", "bucket:land")],
        ),
    ],
)
def test_storage_methods(method, path, details, expected):
    found = needs(call("storage", method, path, **details), P)
    assert [(n.permission, n.resource) for n in found] == expected


def test_the_storage_clients_metadata_read_is_optional():
    [need] = needs(call("storage", "GET", "/storage/v1/b/land"), P)
    assert (need.permission, need.resource) == ("storage.buckets.get", "bucket:land")
    assert "carries on without it" in need.optional


def test_a_batch_as_a_service_account_needs_act_as_on_it():
    path = f"/v1/projects/{P}/locations/asia-south1/batches"
    found = needs(call("dataproc", "POST", path, service_account="r@p.iam.gserviceaccount.com"), P)
    assert found == [
        Need("dataproc.batches.create", "project"),
        Need("iam.serviceAccounts.actAs", "account:r@p.iam.gserviceaccount.com"),
    ]
    assert needs(call("dataproc", "GET", f"{path}/b-1"), P) == [
        Need("dataproc.batches.get", "project")
    ]


def test_invoking_the_function_needs_run_routes_invoke():
    assert needs(call("run", "POST", "/", service="tickets-dev-tick"), P) == [
        Need("run.routes.invoke", "run:tickets-dev-tick")
    ]


def test_an_unknown_call_is_an_error_naming_it():
    with pytest.raises(UnknownCall, match=r"storage: PUT /storage/v1/b/land/iam.*add a rule"):
        needs(call("storage", "PUT", "/storage/v1/b/land/iam"), P)


# --- Cloud Quotas (make preflight) ---------------------------------------------------------

QUOTA_INFOS = f"/v1/projects/{P}/locations/global/services/compute.googleapis.com/quotaInfos"
QUOTA_IDS = ("CPUS-per-project-region", "DISKS-TOTAL-GB-per-project-region")


def test_reading_a_quota_info_needs_cloudquotas_quotas_get_on_the_project():
    found = needs(call("cloudquotas", "GET", f"{QUOTA_INFOS}/CPUS-per-project-region"), P)
    assert found == [Need("cloudquotas.quotas.get", "project")]
    with pytest.raises(UnknownCall):  # changing a quota is not a read
        needs(
            call("cloudquotas", "PATCH", f"/v1/projects/{P}/locations/global/quotaPreferences/x"), P
        )


def test_the_recorder_tells_quota_infos_from_dataproc_batches():
    """Both start /v1/projects/: the quotaInfos pattern is tried first."""
    proxy = Proxy("operator", "make preflight", {}, Recorder())
    assert proxy.service_of(f"{QUOTA_INFOS}/CPUS-per-project-region") == "cloudquotas"
    assert proxy.service_of(f"/v1/projects/{P}/locations/asia-south1/batches") == "dataproc"
    assert proxy.service_of(f"/v1/projects/{P}/locations/asia-south1/batches/b-1") == "dataproc"


def test_the_rehearsal_records_the_operators_quota_reads(recorded_calls):
    """make preflight, and the preflight that starts make backfill and make replay, read
    both quotas as the operator; each read maps to cloudquotas.quotas.get, and none was
    taken for a Dataproc call."""
    reads = [c for c in recorded_calls if c.service == "cloudquotas"]
    assert {(c.identity, c.component) for c in reads} == {
        ("operator", "make preflight"),
        ("operator", "make backfill"),
        ("operator", "make replay"),
    }
    assert sorted((c.component, c.method, c.path, c.status) for c in reads) == sorted(
        (component, "GET", f"{QUOTA_INFOS}/{quota}", 200)
        for component in ("make preflight", "make backfill", "make replay")
        for quota in QUOTA_IDS
    )
    assert all(needs(c, P) == [Need("cloudquotas.quotas.get", "project")] for c in reads)
    assert not [c for c in recorded_calls if c.service == "dataproc" and "quotaInfos" in c.path]
