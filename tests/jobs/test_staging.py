"""A run's staging (jobs/staging.py): layers that survive an executor, and nothing left."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from jobs import config, staging

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_a_layer_is_the_frames_rows_read_back_from_files(spark, tmp_path):
    run = staging.RunStaging(spark, tmp_path.as_uri(), "run-1")
    rows = spark.range(0, 100, numPartitions=4).selectExpr("id", "id % 3 AS bucket")
    layer = run.layer(rows, "rows", partitions=2)
    assert sorted(tuple(r) for r in layer.collect()) == [(i, i % 3) for i in range(100)]
    written = sorted(p.name for p in (tmp_path / "run-1" / "rows").glob("*.parquet"))
    assert len(written) == 2  # the executors wrote two files: the layer's partitions
    run.remove()
    assert not (tmp_path / "run-1").exists()


def test_the_sweep_removes_only_runs_dead_for_a_day(spark, tmp_path):
    for name, age_hours in (("dead", 25), ("recent", 23), ("mine", 0)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "part-0.parquet").write_bytes(b"x")
        stamp = (NOW - dt.timedelta(hours=age_hours)).timestamp()
        os.utime(folder, (stamp, stamp))
    run = staging.RunStaging(spark, tmp_path.as_uri(), "mine")
    swept = run.sweep(now=NOW)
    assert [Path(uri.removeprefix("file:")).name for uri in swept] == ["dead"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "recent"]


def test_the_sweep_leaves_cloud_staging_to_the_buckets_lifecycle_rule(spark):
    # No file system call at all: gs:// here has no connector, and would fail if touched.
    run = staging.RunStaging(spark, "gs://ops-tickets-dev-staging/spark", "run-1")
    assert run.sweep(now=NOW) == []


def test_where_an_environment_stages():
    local = config.load("local")
    moved = dataclasses.replace(
        local, local=dataclasses.replace(local.local, warehouse=Path("/data/w.duckdb"))
    )
    assert staging.root_for(moved) == "file:///data/w.duckdb.staging"  # follows the warehouse
    assert staging.root_for(config.load("dev")) == "gs://ops-tickets-dev-staging/spark"


def test_a_staging_this_spark_cannot_reach_fails_naming_the_connector(spark, monkeypatch):
    """A gcp environment's job on a Spark without the Cloud Storage connector stops before
    any work, saying what is missing. (A scheme no Spark has: a test session may have
    gs:// mounted by the cloud tests.)"""
    monkeypatch.setattr(staging, "root_for", lambda settings: "nofs://bucket/spark")
    with pytest.raises(staging.StagingError) as raised:
        staging.for_run(spark, config.load("dev"), "run-1")
    assert str(raised.value) == (
        "this Spark cannot write the staging nofs://bucket/spark: it has no nofs:// file "
        "system (the Cloud Storage connector, which Dataproc's runtime bundles)"
    )
    monkeypatch.undo()
    local = config.load("local")
    assert staging.for_run(spark, local, "run-1").uri == f"{staging.root_for(local)}/run-1"


def test_a_write_the_storage_refuses_is_one_line_naming_the_location(spark, tmp_path):
    (tmp_path / "staging").write_text("a file where the staging folder should be")
    run = staging.RunStaging(spark, (tmp_path / "staging").as_uri(), "run-1")
    with pytest.raises(staging.StagingError) as raised:
        run.write(spark.range(3), "rows", 1)
    message = str(raised.value)
    assert message.startswith(f"cannot write the run's staging {run.uri}/rows: ")
    assert "ParentNotDirectoryException" in message and "\n" not in message


def test_a_write_that_fails_on_its_data_is_not_a_staging_failure(spark, tmp_path):
    run = staging.RunStaging(spark, tmp_path.as_uri(), "run-1")
    with pytest.raises(Exception) as raised:
        run.write(spark.range(3).selectExpr("assert_true(id < 0) AS broken"), "rows", 1)
    assert not isinstance(raised.value, staging.StagingError)


def test_an_export_that_wrote_no_file_reads_as_no_rows(spark, tmp_path):
    """A warehouse may export an empty result as no file at all (a fresh deployment's
    first prior state is empty); Spark would refuse the missing path."""
    from pyspark.sql.types import StringType, StructField, StructType

    run = staging.RunStaging(spark, tmp_path.as_uri(), "run-1")
    schema = StructType([StructField("ticket_id", StringType())])
    empty = run.read("prior", schema)
    assert empty.schema == schema and empty.count() == 0
    run.write(spark.createDataFrame([("T1",)], schema), "prior", 1)
    assert [r.ticket_id for r in run.read("prior", schema).collect()] == ["T1"]
