"""Fixtures of the rehearsal's tests: a scratch copy of the tree, and recorded calls.

The calls are those of a whole rehearsal: `make test` runs `make rehearse` first and
passes its calls.jsonl in TICKETS_REHEARSAL_CALLS; run alone, these tests run the
rehearsal themselves (about a minute).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.config import REPO_ROOT
from rehearsal.recorder import Recorder
from rehearsal.scenario import synthesize
from rehearsal.stack import Stack

CALLS_VARIABLE = "TICKETS_REHEARSAL_CALLS"
# What packaging and synthesis read: the scratch copy needs these, not the venvs.
TREE = ("infra", "jobs", "schemas", "env", "tools", "functions")
FILES = ("pyproject.toml", "requirements.lock", "dataproc_main.py")


@pytest.fixture(scope="session")
def recorded_calls(tmp_path_factory):
    given = os.environ.get(CALLS_VARIABLE)
    if given:
        return Recorder.read(Path(given))
    out = tmp_path_factory.mktemp("rehearsal")
    proc = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--env", "dev", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return Recorder.read(out / "calls.jsonl")


def scratch_copy(target: Path) -> Path:
    """The tree's sources, copied to `target` to be changed there."""
    ignore = shutil.ignore_patterns("__pycache__", "cdktf.out", ".bootstrap-state")
    for folder in TREE:
        shutil.copytree(REPO_ROOT / folder, target / folder, ignore=ignore)
    for name in FILES:
        shutil.copyfile(REPO_ROOT / name, target / name)
    return target


def without_line(path: Path, text: str) -> None:
    """Delete the one line of `path` that holds `text`."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    found = [line for line in lines if text in line]
    assert len(found) == 1, f"{path}: {len(found)} lines hold {text!r}"
    path.write_text("".join(line for line in lines if line not in found), encoding="utf-8")


def replaced(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `path` with `new`."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {text.count(old)} occurrences of {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def synthesized(root: Path, tmp_path: Path, env: str = "dev") -> tuple[Stack, Stack]:
    out = synthesize(root, env, tmp_path / "out", tmp_path / "dist")
    return (
        Stack.load(out / "stacks" / f"tickets-{env}" / "cdk.tf.json"),
        Stack.load(out / "stacks" / f"bootstrap-{env}" / "cdk.tf.json"),
    )
