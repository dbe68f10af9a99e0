"""Reproducible code archives: the same tree gives byte-identical archives."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jobs import schemas
from tools import package

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def built(source_root, tmp_path_factory):
    return package.build("dev", tmp_path_factory.mktemp("dist"), root=source_root)


def test_same_tree_gives_identical_archives(source_root, built, tmp_path):
    again = package.build("dev", tmp_path, root=source_root)
    for first, second in zip(built.artifacts(), again.artifacts(), strict=True):
        assert Path(first.path).read_bytes() == Path(second.path).read_bytes()
        assert first.object_name == second.object_name
        assert first.sha256[:16] in first.object_name


def test_archive_entries_are_normalised(built):
    for artifact in (built.jobs, built.function):
        with zipfile.ZipFile(artifact.path) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            assert names == sorted(names)
            assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
            assert all(i.external_attr >> 16 == 0o100644 for i in infos)
            assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
            assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_dataproc_archive_holds_only_the_job(built, source_root):
    with zipfile.ZipFile(built.jobs.path) as archive:
        code = {n for n in archive.namelist() if n.endswith(".py")}
    tracked = {p.relative_to(source_root).as_posix() for p in (source_root / "jobs").rglob("*.py")}
    assert code == {n for n in tracked if "__pycache__" not in n}
    # and the job imports nothing from the other rooms of the repository
    rooms = {"generator", "report", "workstation", "functions", "rehearsal", "infra", "tools"}
    for name in code:
        tree = ast.parse((source_root / name).read_bytes())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {
            n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level
        }
        assert not {m.split(".")[0] for m in imported if m} & rooms, name


def test_jobs_archive_layout(built, source_root):
    with zipfile.ZipFile(built.jobs.path) as archive:
        names = set(archive.namelist())
    assert {
        "jobs/__init__.py",
        "jobs/config.py",
        "jobs/schemas.py",
        "jobs/cli.py",
        "env/dev/config.toml",
    } <= names
    schema_files = {
        p.relative_to(source_root).as_posix() for p in (source_root / "schemas").glob("*.json")
    }
    assert schema_files <= names
    assert not [
        n for n in names if n.startswith("env/") and n != "env/dev/config.toml"
    ]  # only its own env


def test_function_archive_layout(built, source_root):
    with zipfile.ZipFile(built.function.path) as archive:
        names = set(archive.namelist())
    assert {
        "main.py",
        "requirements.txt",
        "jobs/__init__.py",
        "jobs/config.py",
        "env/dev/config.toml",
    } <= names
    assert "schemas/tables.json" in names
    # a cloud environment's function: its code and the cloud path, nothing local
    code = {n for n in names if n.endswith(".py")}
    assert code == {
        "main.py",
        "functions/__init__.py",
        "functions/contract.py",
        "functions/trigger.py",
        "functions/runners/__init__.py",
        "functions/runners/dataproc.py",
        "jobs/__init__.py",
        "jobs/config.py",
        "jobs/faults.py",
        "jobs/landing/__init__.py",
        "jobs/landing/gcs.py",
        "jobs/logs.py",
        "jobs/resources.py",
        "jobs/schemas.py",
        "jobs/state.py",
        "jobs/warehouse/__init__.py",
        "jobs/warehouse/bigquery.py",
        "jobs/warehouse/statements.py",
    }


def test_extracted_archive_resolves_schemas_and_config(built, tmp_path):
    with zipfile.ZipFile(built.jobs.path) as archive:
        archive.extractall(tmp_path)
    code = (
        "from jobs import config, schemas;"
        "s = config.load('dev'); t = schemas.tables();"
        "print(s.name, len(t), config.ENV_DIR.parent == schemas.SCHEMA_DIR.parent)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["dev", str(len(schemas.tables())), "True"]


def test_entrypoint_finds_and_extracts_the_archive(built, tmp_path):
    code = (
        "import importlib.util, sys;"
        f"spec = importlib.util.spec_from_file_location('m', {built.entrypoint.path!r});"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
        "root = m.find_root();"
        "print((root / 'schemas' / 'tables.json').is_file(), (root / 'env' / 'dev').is_dir(),"
        " root.parent)"
    )
    # The archive is extracted into the temp folder, which a batch's VM discards; here
    # it is the test's own, so no run leaves an extracted tree in /tmp.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": built.jobs.path, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", str(scratch)]


def test_content_hash_follows_the_content(source_root, built, tmp_path):
    root = tmp_path / "tree"
    for folder in ("jobs", "schemas", "env", "functions"):
        shutil.copytree(
            source_root / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    # what the batch ships and at which pin; the entry point
    for name in ("pyproject.toml", "requirements.lock", "dataproc_main.py"):
        shutil.copyfile(source_root / name, root / name)
    # change a jobs module that the function does not import
    in_function = package.function_modules(root, "dev")
    module = next(
        p
        for p in sorted((root / "jobs").rglob("*.py"))
        if p.relative_to(root).as_posix() not in in_function
    )
    module.write_text(module.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = package.build("dev", tmp_path / "dist", root=root)
    assert changed.jobs.object_name != built.jobs.object_name  # the job code changed
    assert changed.function.object_name == built.function.object_name  # the function did not
    assert changed.entrypoint.object_name == built.entrypoint.object_name
    assert changed.deps.object_name == built.deps.object_name


def test_the_batch_ships_what_runtime_3_0_lacks_and_nothing_else(built, source_root):
    # pyproject.toml's `batch` group, at requirements.lock's version, from its wheel
    [pin] = package.shipped_requirements(source_root)
    name, version = pin.split("==")
    assert name == "sqlglot"
    with zipfile.ZipFile(built.deps.path) as archive:
        names = archive.namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"sqlglot", f"sqlglot-{version}.dist-info"}
    assert "sqlglot/__init__.py" in names
    assert not [n for n in names if n.endswith("RECORD")]  # the installer's record, not code
