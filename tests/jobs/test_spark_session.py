"""The local Spark session: its JVM ends when the job stops it; settings follow the run's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from jobs import config
from jobs import spark as jobs_spark

pytestmark = pytest.mark.spark

# Runs in a fresh interpreter: stopping the suite's shared session would end its JVM.
_STOP_AND_START_AGAIN = textwrap.dedent(
    """
    import json, os
    from jobs import config, spark
    settings = config.load("local")

    def jvm_pid(session):
        return session.sparkContext._gateway.proc.pid

    first = spark.session(settings)
    first_pid = jvm_pid(first)
    spark.stop()
    gone = not os.path.exists(f"/proc/{first_pid}")
    second = spark.session(settings)
    rows = second.range(5).count()
    second_pid = jvm_pid(second)
    spark.stop()
    print(json.dumps({"first": first_pid, "gone": gone, "second": second_pid, "rows": rows}))
    """
)


def test_stop_ends_the_jvm_and_a_later_session_starts_its_own():
    done = subprocess.run(
        [sys.executable, "-c", _STOP_AND_START_AGAIN],
        cwd=config.REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(config.REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["gone"], "the first JVM was still running after stop()"
    assert result["second"] != result["first"]
    assert result["rows"] == 5


def test_a_one_day_process_compiles_with_the_quick_compiler_only():
    assert "-XX:TieredStopAtLevel=1" in jobs_spark._driver_java_options(one_day=True).split()
    assert "-XX:TieredStopAtLevel=1" not in jobs_spark._driver_java_options(one_day=False)


def test_a_backfill_after_a_day_gets_the_settings_of_large_runs_back(spark):
    settings = config.load("local")
    read = spark.conf.get
    try:
        jobs_spark.tune_for(spark, settings, 1)
        small = (read("spark.sql.codegen.factoryMode"), read("spark.sql.shuffle.partitions"))
        jobs_spark.tune_for(spark, settings, 304)
        large = (read("spark.sql.codegen.factoryMode"), read("spark.sql.shuffle.partitions"))
    finally:
        jobs_spark.tune_for(spark, settings, 1)
    assert small == ("NO_CODEGEN", "1")
    assert large == ("FALLBACK", str(settings.spark.shuffle_partitions))
