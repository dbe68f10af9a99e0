"""`terraform apply`, as far as the emulators go: the synthesized stack's data resources.

The rehearsal cannot run Terraform with the Google provider here, so it creates
in the emulators what the stack declares for data and code, read from the
synthesized JSON rather than from the code that produced it: the buckets, the
datasets (with their default table expiration) and the tables (with the
stack's schema, partitioning and clustering), and the code objects, uploaded
from the stack's own asset files under the names the stack gives them. The
function's settings (its environment, its identity) are read from the stack too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rehearsal.stack import Stack


@dataclass(frozen=True)
class Deployment:
    stack: Stack
    bootstrap: Stack
    code: dict[str, bytes]  # gs:// URI -> the object's bytes, as uploaded

    @property
    def function(self) -> dict:
        return self.stack.only("google_cloudfunctions2_function")

    @property
    def function_environment(self) -> dict[str, str]:
        return dict(self.function["service_config"]["environment_variables"])

    @property
    def function_service(self) -> str:
        """The Cloud Run service a gen2 function runs as: it has the function's name."""
        return self.function["name"]

    @property
    def function_source(self) -> bytes:
        source = self.function["build_config"]["source"]["storage_source"]
        bucket, name = self.stack.resolve(source["bucket"]), self.stack.resolve(source["object"])
        return self.code[f"gs://{bucket}/{name}"]

    @property
    def labels(self) -> dict[str, str]:
        return self.stack.data["provider"]["google"][0]["default_labels"]


def apply(stack: Stack, bootstrap: Stack, storage, bigquery) -> Deployment:
    """Create the stack's buckets, datasets, tables and code objects with these clients."""
    from google.cloud import bigquery as bq

    for bucket in stack.resources("google_storage_bucket").values():
        storage.create_bucket(bucket["name"])
    for dataset in stack.resources("google_bigquery_dataset").values():
        resource = bq.Dataset(f"{stack.project}.{dataset['dataset_id']}")
        resource.location = dataset["location"]
        resource.default_table_expiration_ms = dataset.get("default_table_expiration_ms")
        bigquery.create_dataset(resource)
    for table in stack.resources("google_bigquery_table").values():
        bigquery.create_table(_table(bq, stack, table))
    code = {}
    for item in stack.resources("google_storage_bucket_object").values():
        bucket, name = stack.resolve(item["bucket"]), item["name"]
        data = (stack.path.parent / item["source"]).read_bytes()
        storage.bucket(bucket).blob(name).upload_from_string(
            data, content_type=item["content_type"]
        )
        code[f"gs://{bucket}/{name}"] = data
    return Deployment(stack, bootstrap, code)


def built_as_packaged(deployment: Deployment, manifest: Path) -> list[str]:
    """Where the uploaded code differs from what packaging built (dist/<env>/manifest.json)."""
    built = json.loads(manifest.read_text(encoding="utf-8"))
    bucket = next(
        b["name"]
        for key, b in deployment.stack.resources("google_storage_bucket").items()
        if key.endswith("artifacts")
    )
    problems = []
    for kind in ("jobs", "deps", "entrypoint", "function"):
        entry = built[kind]
        uri = f"gs://{bucket}/{entry['object_name']}"
        data = deployment.code.get(uri)
        if data is None:
            problems.append(f"{kind}: the stack uploads no {uri}")
        elif hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.append(f"{kind}: {uri} is not the archive packaging built")
    return problems


def _table(bq, stack: Stack, table: dict):
    dataset = stack.resolve(table["dataset_id"])
    resource = bq.Table(
        f"{stack.project}.{dataset}.{table['table_id']}",
        schema=[bq.SchemaField.from_api_repr(f) for f in json.loads(table["schema"])],
    )
    resource.description = table.get("description")
    partitioning = table.get("time_partitioning")
    if partitioning:
        resource.time_partitioning = bq.TimePartitioning(
            type_=partitioning["type"], field=partitioning.get("field")
        )
    resource.clustering_fields = table.get("clustering") or None
    return resource
