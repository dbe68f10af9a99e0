"""Which IAM permission each recorded Google API call needs, and on which resource.

A call is what a recording proxy saw (rehearsal/recorder.py): the identity that
made it, the HTTP method and path, and the few request details a permission
depends on (a query's SQL, a load's source and destination, an upload's object
name and whether it replaced an object, a batch's service account). The rules
are Google's documented ones:

- BigQuery: the method's permission (discovery document, "IAM Permissions"); a
  query needs `bigquery.tables.getData` on every table it reads and
  `bigquery.tables.updateData` on every table it writes, found by parsing its
  SQL with sqlglot; a load job needs `bigquery.tables.create`, `.updateData` and
  `.update` on its destination and `storage.buckets.get` and `storage.objects.get`
  on its source (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-parquet);
  a job's creator reads its own job and results with `bigquery.jobs.create`.
- Cloud Storage: https://cloud.google.com/storage/docs/access-control/iam-json
  (an upload that replaces an object also needs `storage.objects.delete`).
- Dataproc: https://cloud.google.com/dataproc-serverless/docs/concepts/iam; a batch
  that runs as a service account needs `iam.serviceAccounts.actAs` on it.
- Cloud Run (Cloud Functions gen2): invoking needs `run.routes.invoke` on the service.
- Cloud Quotas: reading a QuotaInfo (`make preflight`) needs `cloudquotas.quotas.get` on
  the project (roles/cloudquotas.viewer); https://cloud.google.com/docs/quotas/reference/rest
  and https://cloud.google.com/iam/docs/roles-permissions/cloudquotas (read 2026-12-07).

Resources are written as the grant table writes scopes: `project`, `bucket:<name>`,
`dataset:<id>`, `table:<dataset>.<table>`, `account:<email>`, `run:<service>`.
A call this module does not know fails the contract: a new kind of call needs a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp


@dataclass(frozen=True)
class Call:
    """One request a component sent to a Google API (as the recording proxy saw it)."""

    identity: str  # who made it: function | runner | operator | scheduler
    component: str  # what made it: "function", "batch", "make upload", ...
    service: str  # bigquery | storage | dataproc | cloudquotas | run
    method: str
    path: str
    status: int
    details: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Need:
    permission: str
    resource: str
    # Why the call works without it, when it does: the contract then reports instead of failing.
    optional: str | None = None


class UnknownCall(ValueError):
    """A call no rule here maps to a permission."""


def needs(call: Call, project: str) -> list[Need]:
    """The permissions `call` needs; raises UnknownCall for a call no rule covers."""
    rule = {
        "storage": _storage,
        "bigquery": _bigquery,
        "dataproc": _dataproc,
        "cloudquotas": _cloudquotas,
        "run": _run,
    }.get(call.service)
    found = rule(call, project) if rule else None
    if found is None:
        raise UnknownCall(
            f"{call.component} ({call.identity}) called {call.service}: {call.label}, which "
            "rehearsal/permissions.py maps to no IAM permission: add a rule for it"
        )
    return found


# --- Cloud Storage (JSON API) -------------------------------------------------------------

_OBJECT = re.compile(r"^/(?:download/)?storage/v1/b/([^/]+)/o/(.+)$")
_OBJECTS = re.compile(r"^/storage/v1/b/([^/]+)/o$")
_UPLOAD = re.compile(r"^/upload/storage/v1/b/([^/]+)/o$")
_BUCKET = re.compile(r"^/storage/v1/b/([^/]+)$")


def _storage(call: Call, project: str) -> list[Need] | None:
    method, path = call.method, call.path
    if match := _OBJECT.match(path):
        bucket = f"bucket:{match[1]}"
        permission = {
            "GET": "storage.objects.get",
            "DELETE": "storage.objects.delete",
            "PATCH": "storage.objects.update",
        }.get(method)
        return [Need(permission, bucket)] if permission else None
    if (match := _OBJECTS.match(path)) and method == "GET":
        return [Need("storage.objects.list", f"bucket:{match[1]}")]
    if (match := _UPLOAD.match(path)) and method in ("POST", "PUT"):
        bucket = f"bucket:{match[1]}"
        found = [Need("storage.objects.create", bucket)]
        if call.details.get("replaces"):
            found.append(Need("storage.objects.delete", bucket))
        return found
    if (match := _BUCKET.match(path)) and method == "GET":
        # google-cloud-storage 3.x fetches a bucket's metadata in the background for its
        # telemetry, and on 403 caches a fallback (google/cloud/storage/_bucket_metadata_cache.py)
        return [Need("storage.buckets.get", f"bucket:{match[1]}", optional=_BUCKET_METADATA)]
    return None


_BUCKET_METADATA = (
    "google-cloud-storage reads a bucket's metadata in the background for its telemetry "
    "and carries on without it when refused"
)


# --- BigQuery (v2 REST) -------------------------------------------------------------------

_BQ = re.compile(r"^/bigquery/v2/projects/([^/]+)(/.*)?$")


def _bigquery(call: Call, project: str) -> list[Need] | None:
    match = _BQ.match(call.path)
    if not match:
        return None
    parts = [p for p in (match[2] or "").split("/") if p]
    method = call.method
    if parts == ["jobs"] and method == "POST":
        return [Need("bigquery.jobs.create", "project"), *_job_needs(call.details)]
    if len(parts) == 2 and parts[0] in ("jobs", "queries") and method == "GET":
        # jobs.get / jobs.getQueryResults of the caller's own job: bigquery.jobs.create on
        # the project stands in for bigquery.jobs.get, and its anonymous results table is
        # the creator's.
        return [Need("bigquery.jobs.create", "project")]
    if parts == ["queries"] and method == "POST":  # jobs.query
        return [Need("bigquery.jobs.create", "project"), *_query_needs(call.details)]
    if parts == ["datasets"] and method == "POST":
        return [Need("bigquery.datasets.create", "project")]
    if len(parts) == 2 and parts[0] == "datasets" and method == "GET":
        return [Need("bigquery.datasets.get", f"dataset:{parts[1]}")]
    if len(parts) == 3 and parts[::2] == ["datasets", "tables"] and method == "POST":
        return [Need("bigquery.tables.create", f"dataset:{parts[1]}")]
    if len(parts) == 4 and parts[0] == "datasets" and parts[2] == "tables":
        table = f"table:{parts[1]}.{parts[3]}"
        permission = {
            "GET": "bigquery.tables.get",
            "DELETE": "bigquery.tables.delete",
            "PATCH": "bigquery.tables.update",
            "PUT": "bigquery.tables.update",
        }.get(method)
        return [Need(permission, table)] if permission else None
    if len(parts) == 5 and parts[4] == "data" and method == "GET":  # tabledata.list
        if parts[1].startswith("_"):  # a query's anonymous results: the creator's own
            return []
        return [Need("bigquery.tables.getData", f"table:{parts[1]}.{parts[3]}")]
    return None


def _job_needs(job: dict) -> list[Need]:
    configuration = job.get("configuration", {})
    if "query" in configuration:
        return _query_needs(configuration["query"])
    if "load" in configuration:
        load = configuration["load"]
        target = load["destinationTable"]
        table = f"table:{target['datasetId']}.{target['tableId']}"
        found = [
            Need(p, table)
            for p in (
                "bigquery.tables.create",
                "bigquery.tables.updateData",
                "bigquery.tables.update",
            )
        ]
        for uri in load.get("sourceUris", []):
            bucket = f"bucket:{uri.removeprefix('gs://').split('/', 1)[0]}"
            found += [Need("storage.buckets.get", bucket), Need("storage.objects.get", bucket)]
        return found
    return []


def _query_needs(query: dict) -> list[Need]:
    """getData on each table the SQL reads, updateData on each it writes; an EXPORT DATA
    statement also needs `bigquery.tables.export` on what it reads and
    `storage.objects.create` and `.delete` on its bucket (its `overwrite` replaces objects;
    https://cloud.google.com/bigquery/docs/exporting-data, "Required permissions")."""
    default = (query.get("defaultDataset") or {}).get("datasetId")
    sql = query.get("query", "")
    reads, writes = tables_of(sql, default)
    found = [Need("bigquery.tables.getData", f"table:{t}") for t in sorted(reads)] + [
        Need("bigquery.tables.updateData", f"table:{t}") for t in sorted(writes)
    ]
    for bucket in _export_buckets(sql):
        found += [Need("bigquery.tables.export", f"table:{t}") for t in sorted(reads)]
        found += [Need(p, f"bucket:{bucket}") for p in ("storage.objects.create",
                                                          "storage.objects.delete")]  # fmt: skip
    return found


def _export_buckets(sql: str) -> list[str]:
    """The bucket of each EXPORT DATA statement's `uri` option."""
    buckets = []
    for statement in sqlglot.parse(sql, read="bigquery"):
        if not isinstance(statement, exp.Export):
            continue
        for option in statement.args["options"].expressions:
            if isinstance(option, exp.Property) and option.name == "uri":
                uri = option.args["value"].this
                buckets.append(uri.removeprefix("gs://").split("/", 1)[0])
    return buckets


def tables_of(sql: str, default_dataset: str | None) -> tuple[set[str], set[str]]:
    """(`dataset.table` read, `dataset.table` written) by a script in BigQuery's dialect."""
    reads: set[str] = set()
    writes: set[str] = set()
    for statement in sqlglot.parse(sql, read="bigquery"):
        if statement is None:
            continue
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
        written = None
        if isinstance(statement, exp.Insert | exp.Delete | exp.Update | exp.Merge):
            written = statement.this.find(exp.Table) if statement.this else None
            if written is not None:
                writes.add(_name(written, default_dataset))
        for table in statement.find_all(exp.Table):
            if table.name in ctes and not table.db:
                continue
            if table is written and isinstance(statement, exp.Insert):
                continue  # an INSERT's target is written, not read
            reads.add(_name(table, default_dataset))
    return reads, writes


def _name(table: exp.Table, default_dataset: str | None) -> str:
    return f"{table.db or default_dataset}.{table.name}"


# --- Dataproc and Cloud Run ---------------------------------------------------------------

_BATCHES = re.compile(r"^/v1/projects/([^/]+)/locations/([^/]+)/batches(?:/([^/]+))?$")


def _dataproc(call: Call, project: str) -> list[Need] | None:
    match = _BATCHES.match(call.path)
    if not match:
        return None
    if call.method == "POST" and match[3] is None:
        found = [Need("dataproc.batches.create", "project")]
        account = call.details.get("service_account")
        if account:
            found.append(Need("iam.serviceAccounts.actAs", f"account:{account}"))
        return found
    if call.method == "GET" and match[3] is not None:
        return [Need("dataproc.batches.get", "project")]
    return None


_QUOTA_INFO = re.compile(r"^/v1/projects/[^/]+/locations/global/services/[^/]+/quotaInfos/[^/]+$")


def _cloudquotas(call: Call, project: str) -> list[Need] | None:
    if call.method == "GET" and _QUOTA_INFO.match(call.path):  # quotaInfos.get
        return [Need("cloudquotas.quotas.get", "project")]
    return None


def _run(call: Call, project: str) -> list[Need] | None:
    service = call.details.get("service")
    return [Need("run.routes.invoke", f"run:{service}")] if service else None
