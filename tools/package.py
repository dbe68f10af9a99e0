"""Reproducible deployment archives: `make package ENV=dev` -> dist/<env>/.

Four artefacts per environment, each named by the SHA-256 of its bytes so that
the object name in Cloud Storage changes exactly when the content does:

- `jobs-<hash>.zip`: the `jobs` package, `schemas/*.json` and
  `env/<env>/config.toml`, laid out as in the repository, so that
  `jobs/schemas.py` (SCHEMA_DIR) and `jobs/config.py` (ENV_DIR) resolve their
  files relative to the archive root once it is extracted.
- `batch-deps-<hash>.zip`: what the job imports that Dataproc Serverless runtime
  3.0 does not provide, declared in pyproject.toml's `batch` group and taken at
  requirements.lock's versions from their pure-Python wheels (downloaded once
  into .local/wheels); the batch gets it beside the jobs archive.
- `dataproc_main-<hash>.py`: the PySpark batch entry point
  (dataproc_main.py), which extracts the jobs archive and runs
  `jobs.cli.main`.
- `function-<hash>.zip`: the trigger function as Cloud Functions expects it
  (`functions/main.py` and `requirements.txt` at the root), plus the modules of
  `functions` and `jobs` that it imports and those that implement the
  environment's platform (`jobs.resources.modules`, `functions.runners.RUNNERS`:
  a cloud function carries no DuckDB and no local Spark runner), found by walking
  their imports, with the schemas and the env config.

Reproducible means byte-identical for the same inputs on any machine: entries
are sorted, every timestamp is 1980-01-01 00:00, permissions are 0644, and
entries are stored (not deflated) so that the bytes do not depend on the zlib
build. The archives are small, so storing costs nothing that matters.

Standard library and the stdlib-only `jobs.config`, `jobs.resources` and
`functions.runners`, and pip
to fetch the shipped wheels: runs under any Python >= 3.11 (the infra venv calls
it in-process from infra/main.py).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from tools/
    sys.path.insert(0, str(ROOT))

from functions import runners  # noqa: E402
from jobs import config, resources  # noqa: E402

ENTRYPOINT = Path("dataproc_main.py")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--
SKIP_DIRS = {"__pycache__", ".pytest_cache", "tests"}
WHEELS = ROOT / ".local" / "wheels"  # downloaded wheels of the shipped dependencies
SKIP_SUFFIXES = {".pyc", ".pyo"}


class PackagingError(RuntimeError):
    """The tree cannot be packaged (a source file is missing)."""


@dataclass(frozen=True)
class Artifact:
    kind: str  # "jobs", "deps", "entrypoint" or "function"
    path: str  # absolute path of the file in dist/
    sha256: str
    object_name: str  # object name in the artifacts bucket
    size: int


@dataclass(frozen=True)
class Manifest:
    env: str
    jobs: Artifact
    deps: Artifact
    entrypoint: Artifact
    function: Artifact

    def artifacts(self) -> list[Artifact]:
        return [self.jobs, self.deps, self.entrypoint, self.function]


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A deterministic zip of {archive name: content}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE
            info.create_system = 3  # unix, whatever the host
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _tree(root: Path, folder: str) -> dict[str, bytes]:
    base = root / folder
    files = {}
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.suffix in SKIP_SUFFIXES:
            continue
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        files[rel.as_posix()] = path.read_bytes()
    return files


def _runtime_data(root: Path, env: str, env_dir: Path | None) -> dict[str, bytes]:
    """What the jobs code reads at run time: schemas/*.json and this env's config."""
    config = (env_dir or root / "env") / env / "config.toml"
    if not config.is_file():
        raise PackagingError(f"no environment {env!r}: {config} does not exist")
    files = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "schemas").glob("*.json")
    }
    if not files:
        raise PackagingError(f"no schemas found under {root / 'schemas'}")
    files[f"env/{env}/config.toml"] = config.read_bytes()
    return files


def jobs_files(root: Path, env: str, env_dir: Path | None = None) -> dict[str, bytes]:
    if not (root / "jobs" / "__init__.py").is_file():
        raise PackagingError(f"{root / 'jobs'} is not a Python package")
    return {**_tree(root, "jobs"), **_runtime_data(root, env, env_dir)}


def shipped_requirements(root: Path) -> list[str]:
    """`name==version` of each package the batch ships: pyproject.toml's `batch` group, at
    requirements.lock's versions."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = project["optional-dependencies"].get("batch", [])
    pins = {}
    for line in (root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not name.startswith("#"):
            pins[_normal(name)] = f"{name}=={version}"
    missing = [n for n in names if _normal(n) not in pins]
    if missing:
        raise PackagingError(f"requirements.lock pins no {', '.join(missing)} (run make lock)")
    return [pins[_normal(n)] for n in names]


def dependency_files(root: Path, wheels: Path = WHEELS) -> dict[str, bytes]:
    """The files of the shipped packages' wheels (installer records excluded)."""
    files = {}
    for requirement in shipped_requirements(root):
        with zipfile.ZipFile(_wheel(requirement, wheels)) as wheel:
            for name in wheel.namelist():
                if not name.endswith("/") and not name.endswith(".dist-info/RECORD"):
                    files[name] = wheel.read(name)
    return files


def _wheel(requirement: str, wheels: Path) -> Path:
    """The pure-Python wheel of `name==version`, downloaded from the package index once."""
    name, version = requirement.split("==")
    stem = f"{re.sub(r'[-.]+', '_', name).lower()}-{version}-"
    found = sorted(wheels.glob(f"{stem}*.whl"))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", str(wheels), requirement],
            capture_output=True,
            text=True,
        )  # fmt: skip
        found = sorted(wheels.glob(f"{stem}*.whl"))
        if proc.returncode != 0 or not found:
            raise PackagingError(f"could not download {requirement}: {proc.stderr.strip()[-500:]}")
    if not found[0].name.endswith("-none-any.whl"):
        raise PackagingError(
            f"{found[0].name} is not a pure-Python wheel: it cannot ship in a zip on "
            "python_file_uris (use a custom container image for compiled packages)"
        )
    return found[0]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


PACKAGED = ("jobs", "functions")  # the packages whose modules the function's archive carries


def _imported_modules(path: Path, module: str | None) -> set[str]:
    """Modules of PACKAGED imported anywhere in a file (also inside functions)."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = None
    if module:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and package:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # submodules
    return {m for m in found if m.split(".")[0] in PACKAGED}


def function_modules(root: Path, env: str, env_dir: Path | None = None) -> dict[str, bytes]:
    """The modules functions/main.py imports, and the platform's, with all they import."""
    platform = config.load(env, env_dir or root / "env").platform
    pending = _imported_modules(root / "functions" / "main.py", None)
    pending |= {*resources.modules(platform), runners.RUNNERS[platform]}
    seen: dict[str, Path] = {}
    while pending:
        module = pending.pop()
        parts = module.split(".")
        # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name in seen:
                continue
            path = _module_file(root, name)
            if path is None:
                continue  # `from a.b import some_function`: not a module
            seen[name] = path
            pending |= _imported_modules(path, name) - set(seen)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in seen.values()}


def function_files(root: Path, env: str, env_dir: Path | None = None) -> dict[str, bytes]:
    folder = root / "functions"
    for required in ("main.py", "requirements.txt"):
        if not (folder / required).is_file():
            raise PackagingError(f"{folder / required} is missing: the function cannot be packaged")
    files = {name: (folder / name).read_bytes() for name in ("main.py", "requirements.txt")}
    files.update(function_modules(root, env, env_dir))
    files.update(_runtime_data(root, env, env_dir))
    return files


def _write(dist: Path, kind: str, stem: str, suffix: str, prefix: str, data: bytes) -> Artifact:
    digest = hashlib.sha256(data).hexdigest()
    filename = f"{stem}-{digest[:16]}{suffix}"
    path = dist / filename
    if not path.is_file() or path.read_bytes() != data:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    for stale in dist.glob(f"{stem}-*{suffix}"):
        if stale != path:
            stale.unlink()
    return Artifact(kind, str(path), digest, f"{prefix}/{filename}", len(data))


def build(
    env: str, dist: Path | None = None, root: Path = ROOT, env_dir: Path | None = None
) -> Manifest:
    """Write the four archives for `env` under dist/<env>/ and return their manifest.

    `env_dir` replaces `<root>/env` as the folder the environment's config is read from.
    """
    dist = (dist or root / "dist") / env
    dist.mkdir(parents=True, exist_ok=True)
    entry = root / ENTRYPOINT
    if not entry.is_file():
        raise PackagingError(f"{entry} is missing")
    manifest = Manifest(
        env=env,
        jobs=_write(
            dist, "jobs", "jobs", ".zip", "jobs", zip_bytes(jobs_files(root, env, env_dir))
        ),
        deps=_write(dist, "deps", "batch-deps", ".zip", "jobs", zip_bytes(dependency_files(root))),
        entrypoint=_write(dist, "entrypoint", "dataproc_main", ".py", "jobs", entry.read_bytes()),
        function=_write(
            dist,
            "function",
            "function",
            ".zip",
            "functions",
            zip_bytes(function_files(root, env, env_dir)),
        ),
    )
    (dist / "manifest.json").write_text(
        json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", action="append", required=True, help="environment (repeatable)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    try:
        for env in args.env:
            manifest = build(env, args.dist)
            for artifact in manifest.artifacts():
                rel = os.path.relpath(artifact.path)
                print(f"package: {env:<6} {artifact.kind:<10} {rel}  ({artifact.size:,} bytes)")
    except PackagingError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
