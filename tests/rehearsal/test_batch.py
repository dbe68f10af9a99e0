"""A submitted batch request becomes the spark-submit command Dataproc would run."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.cloud import dataproc_v1

from rehearsal import batch

MAIN = "gs://art/jobs/dataproc_main-1.py"
JOBS = "gs://art/jobs/jobs-2.zip"
DEPS = "gs://art/jobs/batch-deps-3.zip"


def request() -> dataproc_v1.Batch:
    return dataproc_v1.Batch(
        pyspark_batch=dataproc_v1.PySparkBatch(
            main_python_file_uri=MAIN,
            python_file_uris=[JOBS, DEPS],
            args=["--env", "dev", "daily", "--day", "2025-01-03"],
        ),
        runtime_config=dataproc_v1.RuntimeConfig(
            version="3.0",
            properties={
                "spark.sql.session.timeZone": "UTC",
                "spark.dataproc.driverEnv.TICKETS_ENV": "dev",
                "spark.dataproc.driverEnv.TICKETS_BATCH_ID": "tickets-dev-20250103-a1",
            },
        ),
    )


def test_the_request_becomes_spark_submit_with_its_code_properties_and_driver_env(tmp_path):
    landing = tmp_path / "land"
    (landing / "tickets").mkdir(parents=True)
    code = {MAIN: Path("/c/main.py"), JOBS: Path("/c/jobs.zip"), DEPS: Path("/c/deps.zip")}

    job = batch.submission(request(), code, {"land": landing}, {"JAVA_HOME": "/j"})

    assert job.argv[0].endswith(".venv-runtime/bin/spark-submit")
    # the code in the request's order, then the arguments
    assert job.argv[-8:] == [
        "--py-files", "/c/jobs.zip,/c/deps.zip", "/c/main.py",
        "--env", "dev", "daily", "--day", "2025-01-03",
    ]  # fmt: skip
    argv = job.argv
    confs = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "--conf")
    assert confs["spark.sql.session.timeZone"] == "UTC"
    assert confs["spark.master"] == "local[2]"
    assert confs["spark.hadoop.fs.viewfs.mounttable.land.link./tickets"] == (
        (landing / "tickets").as_uri()
    )
    assert not [k for k in confs if k.startswith("spark.dataproc.driverEnv")]
    # driverEnv properties are the driver's environment
    assert job.env == {
        "JAVA_HOME": "/j",
        "TICKETS_ENV": "dev",
        "TICKETS_BATCH_ID": "tickets-dev-20250103-a1",
    }


def test_a_batch_naming_code_the_deployment_did_not_upload_is_refused():
    with pytest.raises(ValueError, match=r"did not upload.*batch-deps-3\.zip"):
        batch.submission(request(), {MAIN: Path("m"), JOBS: Path("j")}, {}, {})
