"""A failed run's one line: what broke, where a stack of Py4J tracebacks says nothing.

A Spark process that runs out of memory ends the run from under this one. The driver's
JVM exits at once (`-XX:+ExitOnOutOfMemoryError`, jobs/spark.py, which makes HotSpot
exit with status 3), and every later call into it fails with Py4J's "Answer from Java
side is empty" or "Connection refused". An executor that runs out of memory exits with
Spark's status 52 (SparkExitCode.OOM), and its tasks fail with the reason "Command
exited with code 52" or with the OutOfMemoryError itself. Either way the line names the
process, its memory limit, and what to change.
"""

from __future__ import annotations

import re
import subprocess

from py4j.protocol import Py4JError, Py4JJavaError
from pyspark.sql import SparkSession

from jobs.config import Settings

HOTSPOT_OOM_EXIT = 3
_EXECUTOR_OOM = re.compile(r"exited with code 52|exit code:? 52|java\.lang\.OutOfMemoryError")
_SHORTER = "or load a shorter range (make backfill FROM=... TO=...)"


def line(exc: Exception, spark: SparkSession | None, settings: Settings) -> str:
    """The run's failure in one line."""
    if spark is not None and _driver_jvm_exit(spark, _lost_the_jvm(exc)) == HOTSPOT_OOM_EXIT:
        if settings.platform == "gcp":
            limit, setting = settings.gcp.batch_driver_memory, "gcp.batch_driver_memory"
        else:
            limit, setting = settings.spark.driver_memory, "spark.driver_memory"
        return (
            f"the Spark driver JVM ran out of memory (heap {limit}): raise {setting} in "
            f"env/{settings.name}/config.toml, {_SHORTER}"
        )
    if _EXECUTOR_OOM.search(str(exc)):
        limit = _conf(spark, "spark.executor.memory") or "1g, Spark's default"
        return (
            f"a Spark executor ran out of memory (spark.executor.memory {limit}): give the "
            f"executors more (gcp.batch_executor_memory on Dataproc), {_SHORTER}"
        )
    return f"{type(exc).__name__}: {exc}"


def _lost_the_jvm(exc: Exception) -> bool:
    """Py4J lost its connection (not an error the JVM answered with)."""
    return isinstance(exc, Py4JError) and not isinstance(exc, Py4JJavaError)


def _driver_jvm_exit(spark: SparkSession, lost: bool) -> int | None:
    """The exit status of the driver JVM this process launched, if it has ended; after a
    lost connection, given a few seconds to end (it may still be exiting)."""
    gateway = spark.sparkContext._gateway
    process = getattr(gateway, "proc", None)  # None when PySpark did not launch the JVM
    if process is None:
        return None
    try:
        return process.wait(timeout=5) if lost else process.poll()
    except subprocess.TimeoutExpired:
        return None  # alive: the failure was not the JVM's end


def _conf(spark: SparkSession | None, key: str) -> str | None:
    try:
        return spark.conf.get(key, None) if spark is not None else None
    except Exception:  # the session may be unusable after the failure
        return None
