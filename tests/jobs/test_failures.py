"""A run that runs out of memory fails with one line naming the process and its limit
(jobs/failures.py), not with Py4J's tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jobs import config, failures
from jobs.config import REPO_ROOT

# A child process: a local session with the job's JVM options, whose driver JVM is made
# to run out of heap (an array larger than it), then asked what the failure was.
CHILD = """
import dataclasses, json, sys
from jobs import config, failures, spark as jobs_spark
settings = config.load("local")
settings = dataclasses.replace(
    settings, spark=dataclasses.replace(settings.spark, driver_memory="512m")
)
session = jobs_spark.session(settings)
gateway = session.sparkContext._gateway
try:
    gateway.new_array(gateway.jvm.byte, 1 << 30)  # 1 GiB in a 512m heap
except Exception as exc:
    print(json.dumps(failures.line(exc, session, settings)))
    sys.exit(0)
sys.exit("the JVM did not run out of memory")
"""


@pytest.mark.spark
def test_a_driver_jvm_out_of_heap_is_named_with_its_limit_and_the_way_out(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == (
        "the Spark driver JVM ran out of memory (heap 512m): raise spark.driver_memory in "
        "env/local/config.toml, or load a shorter range (make backfill FROM=... TO=...)"
    )


class _Lost(Exception):
    pass


def test_an_executor_lost_to_memory_is_named(spark):
    # Spark's reason when an executor's JVM exits with SparkExitCode.OOM (52).
    exc = _Lost(
        "Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times, most recent "
        "failure: Lost task 3.3 (TID 41) (127.0.0.1 executor 1): ExecutorLostFailure "
        "(executor 1 exited caused by one of the running tasks) Reason: Command exited "
        "with code 52"
    )
    line = failures.line(exc, spark, config.load("local"))
    assert line.startswith("a Spark executor ran out of memory (spark.executor.memory ")
    assert "gcp.batch_executor_memory" in line and "\n" not in line


def test_any_other_failure_keeps_its_own_words(spark):
    assert failures.line(ValueError("bad"), spark, config.load("local")) == "ValueError: bad"
