"""The trigger function as Cloud Functions runs it: its archive, its requirements, nothing else.

The archive the stack deploys is unzipped into an empty folder; a new virtual
environment on Python 3.12 (the function's runtime) gets exactly the archive's
`requirements.txt` and nothing from this repository or its venvs; then two
checks that Cloud Build would not make until it is too late:

- every distribution installed is pinned by the file (nothing came in unpinned);
- every module the archive's code imports, at the top of a file or inside a
  function, resolves in that environment or in the archive itself.

`serve` then runs it under functions-framework from that environment, with the
environment variables the stack gives the function.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from jobs.config import REPO_ROOT
from workstation.simulate import functions_server

UV = REPO_ROOT / ".venv" / "bin" / "uv"
# Run inside the function's environment: the archive's imports that do not resolve.
_IMPORT_CHECK = r"""
import ast, importlib.util, pathlib, sys
root = pathlib.Path(sys.argv[1])
local = {p.stem for p in root.iterdir()}
def resolves(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
def is_namespace(name):
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin in (None, "namespace")
missing = set()
for path in sorted(root.rglob("*.py")):
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if resolves(node.module) and is_namespace(node.module):
                names += [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in local or resolves(name):
                continue
            missing.add(f"{name} ({path.relative_to(root)})")
print("\n".join(sorted(missing)))
"""


@dataclass
class InstalledFunction:
    folder: Path  # the unzipped archive
    python: Path  # the environment's interpreter
    problems: list[str] = field(default_factory=list)


def install(archive: bytes, work: Path) -> InstalledFunction:
    """Unzip the archive and install its requirements.txt alone into a new environment."""
    folder, venv = work / "function", work / "function-venv"
    folder.mkdir(parents=True)
    zipfile.ZipFile(io.BytesIO(archive)).extractall(folder)
    requirements = folder / "requirements.txt"
    if not requirements.is_file():
        return InstalledFunction(
            folder, venv / "bin" / "python", ["the archive has no requirements.txt"]
        )
    _run([str(UV), "venv", "--quiet", "--python", python312(), str(venv)])
    python = venv / "bin" / "python"
    installed = _run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), "-r", str(requirements)],
        check=False,
    )
    function = InstalledFunction(folder, python)
    if installed.returncode != 0:
        function.problems.append(
            f"pip install -r requirements.txt failed: {installed.stderr[-800:]}"
        )
        return function
    function.problems += unpinned(requirements, python)
    missing = _run([str(python), "-c", _IMPORT_CHECK, str(folder)]).stdout.split("\n")
    function.problems += [
        f"the function imports {m}, which its requirements.txt does not provide"
        for m in missing
        if m
    ]
    return function


def unpinned(requirements: Path, python: Path) -> list[str]:
    """Distributions the install pulled in that requirements.txt does not pin."""
    pinned = {_normal(line.split("==")[0]) for line in _pins(requirements.read_text())}
    frozen = _run([str(UV), "pip", "freeze", "--python", str(python)]).stdout
    return [
        f"requirements.txt does not pin {line}, which the install pulled in"
        for line in _pins(frozen)
        if _normal(line.split("==")[0]) not in pinned
    ]


@contextlib.contextmanager
def serve(function: InstalledFunction, environment: dict[str, str], output: IO) -> Iterator[str]:
    """Serve the installed function; `environment` is all the process gets besides PATH."""
    env = {"PATH": f"{function.python.parent}:/usr/bin:/bin", "HOME": str(function.folder)}
    with functions_server(
        str(function.python), function.folder / "main.py", {**env, **environment}, output
    ) as url:
        yield url


def python312() -> str:
    """The interpreter of Python 3.12, the runtime of Cloud Functions' python312 and of
    Dataproc Serverless 3.0 (tools/python.sh finds it; the rehearsal needs that one)."""
    found = subprocess.run(
        ["bash", str(REPO_ROOT / "tools" / "python.sh")], capture_output=True, text=True
    ).stdout.strip()
    version = subprocess.run(
        [found or "false", "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if version != "True":
        raise RuntimeError(
            "the rehearsal needs Python 3.12, the version the function and the batch run on "
            f"in the cloud; found {found or 'none'} (install it, e.g. pyenv install 3.12)"
        )
    return found


def _pins(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "==" in line and not line.startswith("#")]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=check, env=installer_env())


def installer_env() -> dict[str, str]:
    """This machine's environment for an installer (its network settings: proxies, CA
    certificates, package indexes), without what would leak this repository into the new
    environment: its PYTHONPATH, its virtual environment, its own settings."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "TICKETS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env
