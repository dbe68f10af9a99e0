"""Entry point of the Dataproc Serverless PySpark batch (`jobs/dataproc_main-<hash>.py`).

The batch ships the jobs archive (`jobs-<hash>.zip`, built by tools/package.py)
as a Python file (`python_file_uris`) and/or an archive (`archive_uris`). Python
can import `jobs` straight from a zip, but the job also reads data files
relative to the package (`schemas/*.json`, `env/<name>/config.toml`), and those
need a real directory. So this script finds the archive, extracts it once into
a temporary directory, puts that directory first on `sys.path`, and hands the
command line to `jobs.cli.main` exactly as `python -m jobs ...` would.

Arguments are the batch CLI's (jobs/cli.py), e.g. `--env dev daily --day
2025-11-01`, built by functions/runners/dataproc.py, which also sets
`TICKETS_ENV` and `TICKETS_BATCH_ID` as the driver's environment.

spark-submit starts the JVM but not the Python SparkSession; this script creates
it from the batch's own configuration (master, executors, the properties the
runner set), so that `jobs.spark.session()` finds it active instead of building
a local one.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from pathlib import Path


def _is_root(folder: Path) -> bool:
    return (folder / "jobs" / "__init__.py").is_file() and (folder / "schemas").is_dir()


def _candidates() -> list[Path]:
    cwd = Path.cwd()
    paths = [Path(p) for p in sys.path if p]
    paths += sorted(cwd.glob("jobs-*.zip")) + sorted(cwd.glob("*/jobs-*.zip"))
    return paths


def find_root() -> Path:
    """A directory holding jobs/, schemas/ and env/, extracting the archive if needed."""
    cwd = Path.cwd()
    for folder in [cwd, *sorted(p for p in cwd.iterdir() if p.is_dir())]:
        if _is_root(folder):  # archive_uris 'gs://.../jobs-<hash>.zip#jobs' is extracted here
            return folder
    for path in _candidates():
        if path.suffix == ".zip" and path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if "jobs/__init__.py" in archive.namelist():
                    target = Path(tempfile.mkdtemp(prefix="tickets-jobs-"))
                    archive.extractall(target)
                    return target
    raise SystemExit(
        "dataproc_main: the jobs archive (jobs-<hash>.zip) is neither on sys.path "
        f"nor in {cwd}; pass it as python_file_uris or archive_uris"
    )


def start_spark() -> None:
    """The batch's SparkSession, when launched by spark-submit (it set the gateway port)."""
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):
        return
    from pyspark.sql import SparkSession

    SparkSession.builder.appName(
        f"ops-tickets-{os.environ.get('TICKETS_ENV', 'job')}"
    ).getOrCreate()


def main(argv: list[str] | None = None) -> int:
    root = find_root()
    sys.path.insert(0, str(root))
    start_spark()
    from jobs.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
