"""BigQuery: the analytics dataset with its tables, and a dataset for per-run staging tables.

Tables are built from schemas/*.json and schemas/tables.json through
`jobs.schemas` — the same files the jobs read — so a column is never written
twice. Partitioning and clustering come from tables.json. Where the config asks
for it (prod): deletion protection on every table, and a required partition
filter on the raw layer (the tables that grow with every extract).

Commits are multi-statement transactions over per-run staging tables
(docs/design.md). Those live in `<dataset>_staging`, whose default table
expiration removes anything a crashed run leaves behind; the analytics dataset
has no default expiration.
"""

from __future__ import annotations

import json

from cdktn_provider_google.bigquery_dataset import BigqueryDataset
from cdktn_provider_google.bigquery_table import BigqueryTable, BigqueryTableTimePartitioning
from constructs import Construct

from infra.naming import EnvNames
from jobs import schemas

STAGING_TABLE_EXPIRATION_MS = 24 * 3600 * 1000
PARTITION_FILTER_LAYERS = ("raw",)


def table_schema_json(table: schemas.Table) -> str:
    return json.dumps(table.bigquery_fields(), separators=(",", ":"), ensure_ascii=False)


class Datasets(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, depends_on=None):
        super().__init__(scope, id_)
        gcp = names.gcp
        protect = gcp.deletion_protection
        self.dataset = BigqueryDataset(
            self,
            "dataset",
            dataset_id=gcp.dataset,
            location=gcp.dataset_location,
            description="Operations ticket analytics: raw, fact and KPI tables (see schemas/).",
            delete_contents_on_destroy=not protect,
            depends_on=depends_on,
        )
        self.staging_dataset = BigqueryDataset(
            self,
            "staging-dataset",
            dataset_id=names.staging_dataset,
            location=gcp.dataset_location,
            description="Per-run staging tables of the daily commit; they expire after a day.",
            default_table_expiration_ms=STAGING_TABLE_EXPIRATION_MS,
            delete_contents_on_destroy=True,
            depends_on=depends_on,
        )
        self.tables: dict[str, BigqueryTable] = {}
        for table in schemas.tables().values():
            self.tables[table.name] = BigqueryTable(
                self,
                table.name,
                dataset_id=self.dataset.dataset_id,
                table_id=table.name,
                description=table.description,
                schema=table_schema_json(table),
                time_partitioning=BigqueryTableTimePartitioning(
                    type="DAY", field=table.partition_field
                ),
                clustering=list(table.clustering) or None,
                require_partition_filter=(
                    gcp.require_partition_filter and table.layer in PARTITION_FILTER_LAYERS
                ),
                deletion_protection=protect,
            )
