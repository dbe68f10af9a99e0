"""Fixtures of the cloud-path tests: the BigQuery and Cloud Storage emulators, and a
Google Cloud environment (`platform = "gcp"`) whose clients talk to them.

The emulators start once per test session. Under `make test` they are required
(`TICKETS_REQUIRE_EMULATORS=1`): a missing emulator fails the run instead of
skipping the cloud tests quietly. Run by hand without them, the tests skip
with a message that says how to build them.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs import config
from jobs.config import Settings
from rehearsal import emulators
from tests.conftest import small_env

PROJECT = "test-project"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.cloud)


@pytest.fixture(scope="session")
def emulators_running(tmp_path_factory):
    try:
        emulators.venv()
    except emulators.EmulatorsMissing as exc:
        if os.environ.get("TICKETS_REQUIRE_EMULATORS") == "1":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    with emulators.running(tmp_path_factory.mktemp("emulators"), PROJECT) as running:
        yield running


@pytest.fixture(scope="module")
def cloud_env(emulators_running) -> Iterator[emulators.Emulators]:
    """The emulator hosts in this process's environment, where the clients look."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in emulators_running.environment().items():
            patch.setenv(name, value)
        yield emulators_running


def mounted(spark, emulators_running: emulators.Emulators, settings: Settings) -> Settings:
    """`settings`, its staging bucket mounted in `spark` where the storage emulator keeps
    it: the executors write the run's staging by its gs:// name, as on Dataproc, and
    BigQuery's loads and exports reach the same files (rehearsal/emulators.py)."""
    from rehearsal import batch

    batch.mount_in(spark, batch.staging_mount(emulators_running.storage_root, settings))
    return settings


@pytest.fixture(scope="session")
def cloud_env_dir(tmp_path_factory) -> Path:
    """An environment folder holding `cloud`: env/dev over the small world's window."""
    env_dir = tmp_path_factory.mktemp("cloud-env")
    project = {'project = "ops-tickets-dev"': f'project = "{PROJECT}"'}
    small_env(env_dir, "cloud", template="dev", replacements=project)
    return env_dir


@pytest.fixture
def cloud_settings(cloud_env, cloud_env_dir) -> Settings:
    """The `cloud` environment with a dataset and buckets of this test's own."""
    return fresh_cloud_settings(cloud_env_dir)


def fresh_cloud_settings(env_dir: Path) -> Settings:
    """The `cloud` environment in a project of its own (so new, empty buckets, named after
    it as in any environment) with a new dataset."""
    from google.cloud import storage

    settings = config.load("cloud", env_dir=env_dir)
    suffix = uuid.uuid4().hex[:8]
    gcp = config.with_buckets(
        dataclasses.replace(settings.gcp, project=f"test-{suffix}", dataset=f"ops_{suffix}")
    )
    client = storage.Client(project=gcp.project, credentials=anonymous())
    for bucket in (gcp.landing_bucket, gcp.staging_bucket):
        client.create_bucket(bucket)
    return dataclasses.replace(settings, gcp=gcp)


def env_folder(base: Path, settings: Settings, target: Path) -> Path:
    """A `cloud` environment folder for a process of its own (a served function), naming
    `settings`' project (and so buckets) and dataset."""
    text = (base / "cloud" / "config.toml").read_text(encoding="utf-8")
    replacements = {
        f'project = "{PROJECT}"': f'project = "{settings.gcp.project}"',
        'dataset = "ops_analytics"': f'dataset = "{settings.gcp.dataset}"',
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    (target / "cloud").mkdir(parents=True)
    (target / "cloud" / "config.toml").write_text(text, encoding="utf-8")
    assert config.load("cloud", env_dir=target) == settings
    return target


def anonymous():
    from google.auth.credentials import AnonymousCredentials

    return AnonymousCredentials()
