"""Fixtures of the infra tests: every stack is synthesized once per session.

These tests need the infra venv (.venv-infra: cdktn, checkov); `make test-infra`
runs them there. In any other environment they are not collected.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from rehearsal.stack import Stack

collect_ignore_glob = [] if importlib.util.find_spec("cdktn") else ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
ENVS = ("dev", "prod")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def source_root() -> Path:
    """The tree whose code is packaged: this checkout."""
    return ROOT


@pytest.fixture(scope="session")
def synth_out(tmp_path_factory, source_root) -> Path:
    from infra import main

    out = tmp_path_factory.mktemp("cdktf")
    main.synth(list(ENVS), outdir=out / "out", dist=out / "dist", root=source_root)
    return out


def _load(out: Path, name: str) -> Stack:
    return Stack.load(out / "out" / "stacks" / name / "cdk.tf.json")


@pytest.fixture(scope="session")
def stacks(synth_out) -> dict[str, Stack]:
    """tickets-<env> and bootstrap-<env> for dev and prod, by stack name."""
    names = [f"tickets-{e}" for e in ENVS] + [f"bootstrap-{e}" for e in ENVS]
    return {name: _load(synth_out, name) for name in names}


@pytest.fixture(scope="session")
def settings():
    from jobs import config

    return {env: config.load(env) for env in ENVS}
