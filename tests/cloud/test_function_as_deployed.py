"""The function installed from its archive alone fails loudly when a dependency is missing.

Served from an empty environment that holds only its archive's requirements.txt
(rehearsal/function.py), one requirement removed, against the emulators: the
tick must answer 500 (Cloud Scheduler retries) with one log line naming what is
missing, and never "up to date".
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile

from jobs import config, resources
from rehearsal import function
from tests.cloud.conftest import env_folder, fresh_cloud_settings
from tools import package


def _without(archive: bytes, requirement: str) -> bytes:
    """The archive with one line of its requirements.txt removed."""
    source, out = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "requirements.txt":
                lines = data.decode().splitlines(keepends=True)
                data = "".join(line for line in lines if not line.startswith(requirement)).encode()
            target.writestr(info, data)
    return out.getvalue()


def test_a_missing_dependency_answers_500_naming_it(cloud_env, cloud_env_dir, tmp_path):
    settings = fresh_cloud_settings(cloud_env_dir)
    resources.warehouse_for(settings).ensure_tables()  # what Terraform does at deploy
    archive = package.zip_bytes(package.function_files(config.REPO_ROOT, "dev"))
    installed = function.install(_without(archive, "google-cloud-storage=="), tmp_path)
    assert installed.problems  # the install check says so before anything runs
    log_path = tmp_path / "function.log"
    environment = {
        "TICKETS_ENV": "cloud",
        "BIGQUERY_EMULATOR_HOST": cloud_env.bigquery_host,
        "STORAGE_EMULATOR_HOST": cloud_env.storage_host,
    }
    environment["TICKETS_ENV_DIR"] = str(env_folder(cloud_env_dir, settings, tmp_path / "env"))

    with log_path.open("w") as log, function.serve(installed, environment, log) as url:
        request = urllib.request.Request(url, data=b"{}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=60)
            raise AssertionError("the tick succeeded without google-cloud-storage")
        except urllib.error.HTTPError as exc:
            code, reply = exc.code, json.loads(exc.read())

    assert code == 500
    assert reply["status"] == "failed"
    # google.cloud is a namespace package: without google-cloud-storage, `storage` is
    # missing from it
    assert reply["error"] == (
        "missing dependency: cannot import name 'storage' from 'google.cloud' (unknown "
        "location); the function's requirements.txt lacks it"
    )
    entries = [json.loads(line) for line in log_path.read_text().splitlines() if line[:1] == "{"]
    [failed] = [e for e in entries if e.get("logger") == "trigger"]
    assert failed["severity"] == "ERROR" and failed["status"] == "failed"
    assert failed["message"].startswith(f"tick failed: {reply['error']}\nTraceback")
