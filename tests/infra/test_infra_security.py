"""Security gates over every synthesized stack, and checkov with zero failed checks."""

from __future__ import annotations

import re

import pytest

from infra import security

pytestmark = pytest.mark.infra

PRIMITIVE = {"roles/owner", "roles/editor", "roles/viewer"}
PUBLIC = {"allUsers", "allAuthenticatedUsers"}
DEFAULT_ACCOUNTS = re.compile(r"(-compute@developer|@appspot|@cloudbuild)\.gserviceaccount\.com")


def all_strings(node):
    """Every key and string value of a synthesized stack, however deep."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from all_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_strings(value)
    elif isinstance(node, str):
        yield node


def test_no_primitive_roles(stacks):
    for stack in stacks.values():
        roles = {s for s in all_strings(stack.data) if s.startswith("roles/")}
        assert roles, stack.name
        assert not roles & PRIMITIVE, f"{stack.name}: {roles & PRIMITIVE}"


def test_no_public_members(stacks):
    for stack in stacks.values():
        assert not any(p in s for s in all_strings(stack.data) for p in PUBLIC), stack.name


def test_no_default_service_account_in_use(stacks):
    for stack in stacks.values():
        offenders = [s for s in all_strings(stack.data) if DEFAULT_ACCOUNTS.search(s)]
        assert not offenders, f"{stack.name}: {offenders}"
    for name in ("tickets-dev", "tickets-prod"):
        stack = stacks[name]
        fn = stack.only("google_cloudfunctions2_function")
        assert fn["service_config"]["service_account_email"]  # runtime identity set
        assert fn["build_config"][
            "service_account"
        ]  # build identity set (else: default compute SA)
        env_vars = fn["service_config"]["environment_variables"]
        assert env_vars["RUNNER_SERVICE_ACCOUNT"].startswith("tickets-")  # batches get our runner
        job = stack.only("google_cloud_scheduler_job")
        assert job["http_target"]["oidc_token"]["service_account_email"]


def test_skip_list_gives_a_reason_for_every_skip():
    skips = security.skipped_checks()
    assert skips, "the skip list is empty: then drop it"
    assert all(len(reason) > 20 for reason in skips.values())


def test_checkov_finds_nothing(synth_out):
    stacks_dir = synth_out / "out" / "stacks"
    targets = sorted(p for p in stacks_dir.iterdir() if p.is_dir())
    assert len(targets) == 4
    findings, passed = security.run_checkov(targets)
    assert not findings, "\n".join(map(str, findings))
    assert passed > 100
