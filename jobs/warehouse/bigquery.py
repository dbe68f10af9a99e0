"""The cloud warehouse: a BigQuery dataset, with the same semantics as the DuckDB file.

A commit loads each of the run's tables, the Parquet files Spark's executors wrote
to the run's staging in the staging bucket, by wildcard URI into a per-run staging
table (in `<dataset>_staging`, whose default expiration removes leftovers of killed
runs), and then runs the shared statements of `statements.py` as one multi-statement
transaction: either every table of the day changes, or none does. A concurrent
commit of the same day fails inside that transaction on the ALREADY_COMMITTED guard.

Keyed reads go the other way: the keys Spark wrote are loaded into a staging table,
and `EXPORT DATA` writes the query's rows as Parquet to the run's staging, where the
executors read them.

Query parameters are bound as typed parameters for single statements; the
commit script inlines them as literals (BigQuery scripts accept parameters, the
emulator does not), through sqlglot, so no value is ever pasted in as text.
Set `BIGQUERY_EMULATOR_HOST` (and `STORAGE_EMULATOR_HOST`) to talk to local
emulators instead of Google.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from jobs import faults, schemas
from jobs.config import GcpSettings, Settings
from jobs.warehouse import STAGED_TABLES, AlreadyCommitted, Attempt, Commit
from jobs.warehouse.statements import (
    ALREADY_COMMITTED,
    attempts_parameters,
    commit_statements,
    end_attempts_statement,
    prior_state_query,
    start_attempts_statement,
    started_attempts_query,
    state_as_of_query,
    versioned_tickets_query,
)

STAGING_EXPIRATION_MS = 24 * 3600 * 1000
_LOADERS = 4  # load jobs in flight at once while staging a commit


class SchemaMismatch(RuntimeError):
    """A table in BigQuery does not have the columns schemas/ declares."""


def from_settings(settings: Settings) -> BigQueryWarehouse:
    return BigQueryWarehouse(settings.gcp)


class BigQueryWarehouse:
    def __init__(self, gcp: GcpSettings, bigquery_client=None, storage_client=None):
        self.gcp = gcp
        self.project = gcp.project
        self.dataset = f"{gcp.project}.{gcp.dataset}"
        self.staging_dataset = f"{gcp.project}.{gcp.staging_dataset}"
        self._bigquery = bigquery_client
        self._storage = storage_client

    # -- clients (created on first use, so importing and wiring cost nothing) --

    @cached_property
    def client(self):
        from google.cloud import bigquery

        if self._bigquery is not None:
            return self._bigquery
        emulator = os.environ.get("BIGQUERY_EMULATOR_HOST")
        if emulator:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials

            return bigquery.Client(
                project=self.project,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=emulator),
            )
        return bigquery.Client(project=self.project, location=self.gcp.dataset_location)

    @cached_property
    def storage(self):
        from google.cloud import storage

        if self._storage is not None:
            return self._storage
        if os.environ.get("STORAGE_EMULATOR_HOST"):
            from google.auth.credentials import AnonymousCredentials

            return storage.Client(project=self.project, credentials=AnonymousCredentials())
        return storage.Client(project=self.project)

    # -- the Warehouse interface ---------------------------------------------

    def ensure_tables(self) -> None:
        """Create what is missing (locally, against an emulator); verify what exists.

        In the cloud Terraform creates the datasets and tables from the same
        schemas/ files, and this only checks that they still match.
        """
        from google.api_core.exceptions import NotFound
        from google.cloud import bigquery

        for dataset_id, expiration in (
            (self.dataset, None),
            (self.staging_dataset, STAGING_EXPIRATION_MS),
        ):
            try:
                self.client.get_dataset(dataset_id)
            except NotFound:
                dataset = bigquery.Dataset(dataset_id)
                dataset.location = self.gcp.dataset_location
                dataset.default_table_expiration_ms = expiration
                self.client.create_dataset(dataset, exists_ok=True)
        for table in schemas.tables().values():
            try:
                existing = self.client.get_table(f"{self.dataset}.{table.name}")
            except NotFound:
                self.client.create_table(_table_resource(self.dataset, table), exists_ok=True)
                continue
            _verify(table, existing)

    def state(self) -> pa.Table:
        return self._select("SELECT * FROM ingestion_state ORDER BY business_date, attempt", {})

    def start_attempts(
        self, days: list[dt.date], mode: str, run_id: str, batch_id: str | None
    ) -> list[Attempt]:
        params = attempts_parameters(
            days, run_id, mode=mode, batch_id=batch_id, started_at=dt.datetime.now(dt.UTC)
        )
        self._execute(start_attempts_statement(), params)
        faults.point("attempts:inserted")
        started = self._select(started_attempts_query(), params).to_pylist()
        return [Attempt(r["business_date"], r["attempt"]) for r in started]

    def end_attempts(
        self, attempts: list[Attempt], run_id: str, status: str, error: str | None
    ) -> None:
        days = [a.business_date for a in attempts]
        params = attempts_parameters(
            days, run_id, status=status, error=error, finished_at=dt.datetime.now(dt.UTC)
        )
        self._execute(end_attempts_statement(discard=status == "discard"), params)

    def write_prior_state(self, keys: str, to: str) -> None:
        self._export_keyed(prior_state_query, {}, keys, to)

    def write_state_as_of(self, day: dt.date, keys: str, to: str) -> None:
        self._export_keyed(state_as_of_query, {"day": day}, keys, to)

    def write_versioned_tickets(self, first: dt.date, last: dt.date, to: str) -> None:
        params = {"first_day": first, "last_day": last}
        self._export(versioned_tickets_query(), params, to)

    def _export_keyed(self, query, params: dict, keys: str, to: str) -> None:
        """Load the keys Spark wrote (one column, ticket_id) into a staging table of their
        own, and export the keyed query."""
        from google.cloud import bigquery

        name = f"keys_{hashlib.sha256(keys.encode()).hexdigest()[:16]}"
        staged = f"{self.staging_dataset}.{name}"
        self._load_files(f"{keys}/*.parquet", staged, [bigquery.SchemaField("ticket_id", "STRING")])
        try:
            self._export(query(f"`{staged}`"), params, to)
        finally:
            self.client.delete_table(staged, not_found_ok=True)

    def _export(self, sql: str, params: dict, to: str) -> None:
        """Write a query's rows as Parquet files under the `gs://` folder `to` (EXPORT
        DATA: https://cloud.google.com/bigquery/docs/reference/standard-sql/export-statements)."""
        if not to.startswith("gs://"):
            raise ValueError(f"BigQuery exports to Cloud Storage, not to {to}")
        uri = exp.Literal.string(f"{to}/*.parquet").sql(dialect="bigquery")
        self._execute(
            f"EXPORT DATA OPTIONS (uri = {uri}, format = 'PARQUET', overwrite = true) "
            f"AS {_inline(sql, params)}",
            {},
        )

    def commit(self, commit: Commit) -> None:
        from google.api_core.exceptions import GoogleAPICallError

        commit.check_complete()
        prefix = _staging_prefix(commit.run_id)
        staged = self._stage(commit, prefix)
        faults.point("stage:done")
        params = commit.parameters()
        parts = ["BEGIN TRANSACTION"]
        for number, sql in enumerate(commit_statements(staged.get, replaces=commit.replaces)):
            parts.append(_inline(sql, params))
            injected = faults.failing_statement(f"commit:{number}")
            if injected:
                parts.append(injected)
        parts.append("COMMIT TRANSACTION")
        faults.point("commit:script_ready")
        try:
            self._execute(";\n".join(parts) + ";", {})
            faults.point("commit:script_done")
        except GoogleAPICallError as exc:
            if ALREADY_COMMITTED in str(exc):
                day = re.search(rf"{ALREADY_COMMITTED}: (\d{{4}}-\d{{2}}-\d{{2}})", str(exc))
                raise AlreadyCommitted(day.group(1) if day else str(exc)) from None
            raise
        finally:
            self._drop_staging(prefix)

    def query(self, sql: str, **params) -> pa.Table:
        return self._select(sql, params)

    # -- staging --------------------------------------------------------------

    def _stage(self, commit: Commit, prefix: str) -> dict[str, str]:
        """Load each table into a per-run staging table: the Parquet files the executors
        wrote, by wildcard URI, and ingestion_state's few rows, uploaded from here.

        Returns the staging table of each name, as the statements refer to it.
        """
        staged = {name: f"`{self.staging_dataset}.{prefix}_{name}`" for name in STAGED_TABLES}
        with ThreadPoolExecutor(_LOADERS) as pool:
            # list() waits for every load and re-raises the first failure.
            list(pool.map(lambda name: self._load(commit, prefix, name), STAGED_TABLES))
        return staged

    def _load(self, commit: Commit, prefix: str, name: str) -> None:
        if name == "ingestion_state":
            buffer = io.BytesIO()
            pq.write_table(commit.ingestion_state(), buffer)
            blob_name = f"commits/{prefix}/{name}.parquet"
            self.storage.bucket(self.gcp.staging_bucket).blob(blob_name).upload_from_string(
                buffer.getvalue(), content_type="application/octet-stream"
            )
            faults.point(f"stage:uploaded:{name}")
            source = f"gs://{self.gcp.staging_bucket}/{blob_name}"
        else:
            source = f"{commit.tables[name]}/*.parquet"
        table = f"{self.staging_dataset}.{prefix}_{name}"
        self._load_files(source, table, _schema_fields(schemas.table(name)))
        faults.point(f"stage:loaded:{name}")

    def _load_files(self, source: str, table: str, fields: list) -> None:
        """Load the Parquet at `source` (a URI, perhaps with a wildcard) into `table`."""
        from google.cloud import bigquery

        # Created with the declared schema first: a load then cannot infer other types.
        self.client.create_table(bigquery.Table(table, schema=fields), exists_ok=True)
        self.client.load_table_from_uri(
            source,
            table,
            job_config=bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.PARQUET,
                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
                parquet_options=_list_inference(),
            ),
        ).result()

    def _drop_staging(self, prefix: str) -> None:
        # Best effort: the staging dataset's default expiration and the bucket's lifecycle
        # rule remove whatever a killed run leaves behind.
        for name in STAGED_TABLES:
            self.client.delete_table(f"{self.staging_dataset}.{prefix}_{name}", not_found_ok=True)
        bucket = self.storage.bucket(self.gcp.staging_bucket)
        for blob in self.storage.list_blobs(bucket, prefix=f"commits/{prefix}/"):
            blob.delete()

    # -- running SQL ----------------------------------------------------------

    def _job_config(self, params: dict):
        from google.cloud import bigquery

        return bigquery.QueryJobConfig(
            default_dataset=self.dataset,
            query_parameters=[_parameter(name, value) for name, value in params.items()],
        )

    def _execute(self, sql: str, params: dict) -> None:
        used = {name: params[name] for name in _parameters_in(sql) if name in params}
        self.client.query(sql, job_config=self._job_config(used)).result()

    def _select(self, sql: str, params: dict, table_name: str | None = None) -> pa.Table:
        used = {name: params[name] for name in _parameters_in(sql) if name in params}
        rows = (
            self.client.query(sql, job_config=self._job_config(used))
            .result()
            .to_arrow(create_bqstorage_client=False)
        )
        if table_name is None:
            return rows
        target = schemas.table(table_name).arrow_schema()
        return rows.select(target.names).cast(target)


def _staging_prefix(run_id: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", run_id.lower())


def _parameters_in(sql: str) -> list[str]:
    return sorted(set(re.findall(r"@([a-z_][a-z0-9_]*)", sql)))


def _parameter(name: str, value):
    """A typed BigQuery query parameter from a Python value."""
    from google.cloud import bigquery

    if isinstance(value, list | tuple):
        kind = _bigquery_type(value[0]) if value else "STRING"
        return bigquery.ArrayQueryParameter(name, kind, list(value))
    return bigquery.ScalarQueryParameter(name, _bigquery_type(value), value)


def _bigquery_type(value) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, dt.datetime):
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    return "STRING"  # str, and None (the nullable error and batch_id)


def _inline(sql: str, params: dict) -> str:
    """The statement with each @parameter replaced by a typed literal."""

    def literal(node):
        if isinstance(node, exp.Parameter):
            return _literal(params[node.name])
        return node

    return sqlglot.parse_one(sql, read="bigquery").transform(literal).sql(dialect="bigquery")


def _literal(value) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat()), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    return exp.convert(value)


def _schema_fields(table: schemas.Table):
    from google.cloud import bigquery

    return [bigquery.SchemaField.from_api_repr(field) for field in table.bigquery_fields()]


def _table_resource(dataset: str, table: schemas.Table):
    from google.cloud import bigquery

    resource = bigquery.Table(f"{dataset}.{table.name}", schema=_schema_fields(table))
    resource.description = table.description
    resource.time_partitioning = bigquery.TimePartitioning(
        type_=bigquery.TimePartitioningType.DAY, field=table.partition_field
    )
    resource.clustering_fields = list(table.clustering) or None
    return resource


def _verify(table: schemas.Table, existing) -> None:
    declared = [(c.name, c.type, c.mode) for c in table.columns]
    actual = [(f.name, _standard_type(f.field_type), f.mode or "NULLABLE") for f in existing.schema]
    if declared != actual:
        missing = sorted(set(declared) - set(actual))
        unexpected = sorted(set(actual) - set(declared))
        raise SchemaMismatch(
            f"table {existing.full_table_id} does not match schemas/{table.name}.json: "
            f"missing or different {missing}, not declared {unexpected}"
        )


def _standard_type(legacy: str) -> str:
    """The API reports legacy type names (INTEGER, FLOAT, BOOLEAN); schemas/ uses standard ones."""
    return {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}.get(
        legacy, legacy
    )


def _list_inference():
    from google.cloud.bigquery.format_options import ParquetOptions

    options = ParquetOptions()
    options.enable_list_inference = True  # Parquet LIST columns load as REPEATED, not records
    return options
