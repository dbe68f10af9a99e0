"""Entry point of the Dataproc Serverless PySpark batch (`jobs/dataproc_main-<hash>.py`).

The batch ships the jobs archive (`jobs-<hash>.zip`, built by tools/package.py)
as a Python file (`python_file_uris`) and/or an archive (`archive_uris`). Python
can import `jobs` straight from a zip, but the job also reads data files
relative to the package (`schemas/*.json`, `env/<name>/config.toml`), and those
need a real directory. So this script finds the archive, extracts it once into
a temporary directory, puts that directory first on `sys.path`, and hands the
command line to `jobs.cli.main` exactly as `python -m jobs ...` would.

Arguments are the job's own, e.g. `daily --max-days 1`; the environment is
selected by `TICKETS_ENV` (set by the runner as driver environment).
"""

from __future__ import annotations

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


def main() -> int:
    root = find_root()
    sys.path.insert(0, str(root))
    from jobs.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
