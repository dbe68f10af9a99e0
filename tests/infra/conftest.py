"""Fixtures of the infra tests: every stack is synthesized once per session.

These tests need the infra venv (.venv-infra: cdktn, checkov); `make test-infra`
runs them there. In any other environment they are not collected.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

collect_ignore_glob = [] if importlib.util.find_spec("cdktn") else ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
ENVS = ("dev", "prod")
REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}$")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass
class Stack:
    """A synthesized cdk.tf.json with lookups that resolve `${type.name.attr}` references."""

    name: str
    path: Path
    data: dict

    def resources(self, rtype: str) -> dict[str, dict]:
        return self.data.get("resource", {}).get(rtype, {})

    def resource(self, rtype: str, name: str) -> dict:
        found = self.resources(rtype)
        assert name in found, f"{self.name}: no {rtype}.{name} (have {sorted(found)})"
        return found[name]

    def only(self, rtype: str) -> dict:
        found = self.resources(rtype)
        assert len(found) == 1, f"{self.name}: expected one {rtype}, found {sorted(found)}"
        return next(iter(found.values()))

    @property
    def project(self) -> str:
        return self.data["provider"]["google"][0]["project"]

    def resolve(self, value):
        """A literal, or the referenced resource's literal attribute (emails are derived)."""
        if not isinstance(value, str):
            return value
        match = REF.match(value)
        if not match:
            return value
        rtype, name, attr = match.groups()
        conf = self.resource(rtype, name)
        if rtype == "google_service_account" and attr in ("email", "member"):
            email = f"{conf['account_id']}@{self.project}.iam.gserviceaccount.com"
            return email if attr == "email" else f"serviceAccount:{email}"
        if rtype == "google_service_account" and attr in ("name", "id"):
            email = f"{conf['account_id']}@{self.project}.iam.gserviceaccount.com"
            return f"projects/{self.project}/serviceAccounts/{email}"
        if attr in conf:
            return self.resolve(conf[attr])
        return value

    def all_strings(self):
        def walk(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    yield str(k)
                    yield from walk(v)
            elif isinstance(node, list):
                for v in node:
                    yield from walk(v)
            elif isinstance(node, str):
                yield node

        yield from walk(self.data)


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
    path = out / "out" / "stacks" / name / "cdk.tf.json"
    return Stack(name, path, json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def stacks(synth_out) -> dict[str, Stack]:
    """tickets-<env> and bootstrap-<env> for dev and prod, by stack name."""
    names = [f"tickets-{e}" for e in ENVS] + [f"bootstrap-{e}" for e in ENVS]
    return {name: _load(synth_out, name) for name in names}


@pytest.fixture(scope="session")
def settings():
    from jobs import config

    return {env: config.load(env) for env in ENVS}
