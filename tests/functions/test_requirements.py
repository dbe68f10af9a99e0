"""The function's requirements.txt is requirements.lock's pins for pyproject's `function` group
(`make lock` writes both): one source of truth for every version."""

from __future__ import annotations

import re
import tomllib

from jobs.config import REPO_ROOT


def pins(path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not name.startswith("#"):
            found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def test_every_pin_of_the_function_is_the_locks():
    function = pins(REPO_ROOT / "functions" / "requirements.txt")
    lock = pins(REPO_ROOT / "requirements.lock")
    differing = {n: (v, lock.get(n)) for n, v in function.items() if lock.get(n) != v}
    assert not differing, f"functions/requirements.txt differs from requirements.lock: {differing}"


def test_every_direct_dependency_of_the_function_is_pinned():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["optional-dependencies"]["function"]
    function = pins(REPO_ROOT / "functions" / "requirements.txt")
    assert [d for d in declared if re.sub(r"[-_.]+", "-", d).lower() not in function] == []
