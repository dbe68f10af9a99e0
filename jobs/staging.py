"""A run's staging: what a run's executors write for its later steps, which outlives no run.

It holds, as Parquet, one folder each:
- the layers (validated records, versions, timeline) and the touched keys (`touched`);
- the tables the commit loads (`tables/<table>/`), so that no table passes through the
  driver: the warehouse reads them from here (jobs/warehouse/);
- what the warehouse writes for the run to read: the prior state of the touched tickets
  (`prior`) and, in a replay, the tickets whose versions it replaces (`replaced`, then
  `replay_keys`).

A run cuts each layer (validated records, versions, timeline) from its lineage by
having the executors write it as Parquet and read it back. A layer so cut survives
the loss of an executor: Spark's local checkpoints, used before, live in the
executors' block stores and go with them, and the run then fails with
CHECKPOINT_RDD_BLOCK_ID_NOT_FOUND ("DataFrame.localCheckpoint", Spark 4.0.1's API
reference, calls them unreliable).

Where: locally a folder beside the warehouse file, `<warehouse>.staging/<run id>/`, so it
follows TICKETS_WAREHOUSE and two warehouses never share one; in the cloud the staging
bucket, `gs://<project>-staging/spark/<run id>/`, through the Cloud Storage connector
Dataproc runtime 3.0 bundles. Both are reached through Hadoop's FileSystem API, from the
executors for the data and from the driver for the folders. A run removes its staging
when it ends, however it ends. A killed run cannot: in the cloud the staging bucket's
lifecycle rule deletes its objects after a day (infra/storage.py), and locally each run
sweeps the staging of runs last written more than SWEEP_AFTER ago. (Not in the cloud:
Cloud Storage has no folders, and the connector may report a prefix's time as 0, which
would sweep a live run.) No run ever reads another's: each has its own folder.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from jobs.config import Settings

log = logging.getLogger(__name__)

# Longer than any run lives (a backfill batch's TTL is 4 h): older staging is a dead run's.
SWEEP_AFTER = dt.timedelta(days=1)
# Bytes of extract per layer partition in a large run: Parquet files of a few tens of MB,
# which a later stage reads as one task each (spark.sql.files.maxPartitionBytes is 128 MB).
BYTES_PER_PARTITION = 64 * 1024 * 1024


def root_for(settings: Settings) -> str:
    """The URI under which the environment's runs stage their layers."""
    if settings.platform == "local":
        return Path(f"{settings.local.warehouse}.staging").resolve().as_uri()
    return f"gs://{settings.gcp.staging_bucket}/spark"


class StagingError(RuntimeError):
    """The run's staging cannot be written: the run fails with this one line."""


def for_run(spark: SparkSession, settings: Settings, run_id: str) -> RunStaging:
    """The run's staging under `root_for`, once this Spark is known to reach it: a
    `gs://` root needs the Cloud Storage connector, which Dataproc bundles and a
    workstation's Spark lacks."""
    root = root_for(settings)
    scheme = root.partition(":")[0]
    try:
        spark.sparkContext._jvm.org.apache.hadoop.fs.FileSystem.getFileSystemClass(
            scheme, spark.sparkContext._jsc.hadoopConfiguration()
        )
    except Exception:  # Py4J's error for UnsupportedFileSystemException
        raise StagingError(
            f"this Spark cannot write the staging {root}: it has no {scheme}:// file system "
            "(the Cloud Storage connector, which Dataproc's runtime bundles)"
        ) from None
    return RunStaging(spark, root, run_id)


def partitions_for(input_bytes: int, large: bool) -> int:
    """A layer's partitions: one for a small run (one partition satisfies every grouping,
    so nothing above it shuffles), else one per BYTES_PER_PARTITION of the run's extracts."""
    return max(1, math.ceil(input_bytes / BYTES_PER_PARTITION)) if large else 1


class RunStaging:
    """The staging folder of one run."""

    def __init__(self, spark: SparkSession, root: str, run_id: str):
        self.spark, self.root, self.uri = spark, root, f"{root}/{run_id}"

    def layer(self, frame: DataFrame, name: str, partitions: int) -> DataFrame:
        """`frame` computed by the executors, written here, and read back: a frame whose
        lineage starts at files that outlive any executor."""
        location = self.write(frame, name, partitions)
        # Coalesced again as read: one partition then plans as a single partition, which
        # satisfies every grouping, so a small run's aggregates and joins need no shuffle.
        return self.spark.read.parquet(location).coalesce(partitions)

    def read(self, name: str, schema: StructType) -> DataFrame:
        """The Parquet another writer left under `name` (a warehouse's export), typed by
        `schema`. No file at all is no rows: an exporter may write none for an empty
        result, and Spark refuses a path that does not exist."""
        location = self.location(name)
        fs, _ = self._filesystem(location)
        jvm = self.spark.sparkContext._jvm
        if not fs.globStatus(jvm.org.apache.hadoop.fs.Path(f"{location}/*.parquet")):
            return self.spark.range(0).select(
                *(F.lit(None).cast(f.dataType).alias(f.name) for f in schema.fields)
            )
        return self.spark.read.schema(schema).parquet(location)

    def location(self, name: str) -> str:
        """The folder of `name` in this run's staging."""
        return f"{self.uri}/{name}"

    def write(self, frame: DataFrame, name: str, partitions: int) -> str:
        """Have the executors write `frame` as Parquet under `name`; returns its folder."""
        location = self.location(name)
        try:
            frame.coalesce(partitions).write.mode("overwrite").parquet(location)
        except Exception as exc:
            reason = _storage_failure(self.spark, exc)
            if reason is None:
                raise
            raise StagingError(f"cannot write the run's staging {location}: {reason}") from None
        return location

    def remove(self) -> None:
        """Delete this run's staging; a failure to is logged, the sweep gets it later."""
        try:
            self._delete(self.uri)
        except Exception:
            log.warning("could not remove the staging %s", self.uri, exc_info=True)

    def sweep(self, now: dt.datetime | None = None) -> list[str]:
        """Delete the staging of runs last written more than SWEEP_AFTER ago; returns their
        URIs. Best effort, like `remove`: a sweep that fails is tried again by the next run."""
        if not self.root.startswith("file:"):
            return []
        now = now or dt.datetime.now(dt.UTC)
        cutoff_ms = (now - SWEEP_AFTER).timestamp() * 1000
        swept = []
        try:
            fs, root = self._filesystem(self.root)
            statuses = fs.listStatus(root) if fs.exists(root) else []
            for status in statuses:
                if status.isDirectory() and status.getModificationTime() < cutoff_ms:
                    fs.delete(status.getPath(), True)
                    swept.append(status.getPath().toString())
        except Exception:
            log.warning("could not sweep the staging under %s", self.root, exc_info=True)
        if swept:
            log.info("swept the staging of %d dead run(s) under %s", len(swept), self.root)
        return swept

    def _delete(self, uri: str) -> None:
        fs, path = self._filesystem(uri)
        fs.delete(path, True)

    def _filesystem(self, uri: str):
        jvm = self.spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(uri)
        return path.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration()), path


def _storage_failure(spark: SparkSession, exc: Exception) -> str | None:
    """What the storage said, when a write failed on it (permission, space, a missing
    bucket, a file where a folder should be), not on the data: Hadoop raises those as
    java.io.IOException, somewhere in the Java cause chain. None otherwise."""
    cause = getattr(exc, "java_exception", None) or getattr(exc, "_origin", None)
    io_exception = spark.sparkContext._jvm.java.io.IOException
    io_class = spark.sparkContext._jvm.java.lang.Class.forName(io_exception._fqn)
    while cause is not None:
        if io_class.isInstance(cause):
            message = " ".join(str(cause.getMessage()).split())
            return f"{cause.getClass().getSimpleName()}: {message}"
        cause = cause.getCause()
    return None
