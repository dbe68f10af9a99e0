"""The IAM contract: every recorded call is granted in the synthesized stack, and no more.

For each call a component made (rehearsal/recorder.py), the permissions it needs
(rehearsal/permissions.py) must be held by the identity that made it: some role
granted to one of its members, on the resource or on one that contains it (a
project holds its buckets and datasets, a dataset its tables), must contain the
permission. The roles' permissions come from rehearsal/roles.toml and, for custom
roles, from the stack. Every Google service the calls reach, and every one the
Dataproc runtime needs, must be enabled by the stacks.

Four kinds of result:
- a violation (the rehearsal fails): a call no grant covers, naming the identity,
  the permission, the resource and the grant to add; or an API not enabled;
- a tolerated gap (reported): a call refused without harm, because the client
  carries on without it (the rule in permissions.py says why);
- a least-privilege finding (reported): a grant that no recorded call needed;
- a platform grant (reported): one that Google's machinery uses, listed with
  its reason in roles.toml, which no call here can exercise.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from infra.naming import ACCOUNTS, OPERATOR, EnvNames
from jobs.config import BUCKET_PURPOSES, GcpSettings
from rehearsal.permissions import Call, Need, UnknownCall, needs
from rehearsal.stack import Stack

ROLES_FILE = Path(__file__).with_name("roles.toml")
# Google services the calls reach, by the recorder's service name.
SERVICE_APIS = {
    "bigquery": "bigquery.googleapis.com",
    "storage": "storage.googleapis.com",
    "dataproc": "dataproc.googleapis.com",
    "run": "run.googleapis.com",
}
# APIs the deployed path needs that no call here reaches: the platform pieces the
# rehearsal stands in for.
PLATFORM_APIS = {
    "cloudscheduler.googleapis.com": "Cloud Scheduler sends the daily tick",
    "cloudfunctions.googleapis.com": "the trigger function is a Cloud Function (gen2)",
    "cloudbuild.googleapis.com": "Cloud Functions builds the function's image",
    "artifactregistry.googleapis.com": "the function's image is stored in Artifact Registry",
    "compute.googleapis.com": "the batches run in the stack's subnetwork",
}
# Dataproc Serverless runtime (major version) -> APIs it requires.
RUNTIME_APIS = {3: {"dataprocrm.googleapis.com": "Dataproc Serverless runtime 3.0 requires it"}}


@dataclass(frozen=True)
class Covered:
    """A need of an identity, and the grants that hold it."""

    identity: str
    need: Need
    calls: tuple[str, ...]  # the components and calls that needed it
    granted_by: tuple[tuple[str, str], ...]  # (scope, role)


@dataclass
class Result:
    covered: list[Covered] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Roles:
    permissions: dict[str, frozenset[str]]
    platform: dict[str, str]  # "who|scope|role" -> why

    @classmethod
    def load(cls, path: Path = ROLES_FILE, custom: dict[str, tuple[str, ...]] | None = None):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        permissions = {name: frozenset(r["permissions"]) for name, r in data["roles"].items()}
        permissions |= {name: frozenset(p) for name, p in (custom or {}).items()}
        return cls(permissions, data.get("platform", {}))

    def smallest_with(self, permission: str) -> str | None:
        """The predefined role with the fewest permissions that holds `permission`."""
        holding = [(len(p), n) for n, p in self.permissions.items() if permission in p]
        holding = [(size, name) for size, name in holding if name.startswith("roles/")]
        return min(holding)[1] if holding else None


def check(
    calls: list[Call], stack: Stack, bootstrap: Stack, names: EnvNames, roles: Roles | None = None
) -> Result:
    """Check `calls` against the grants of the environment's synthesized stacks."""
    roles = roles or Roles.load(custom=stack.custom_roles())
    gcp = names.gcp
    members = {who: names.members(who) for who in (*ACCOUNTS, OPERATOR)}
    result = Result()
    bindings = stack.bindings()
    grants = {who: _grants_of(bindings, ms) for who, ms in members.items()}
    unknown_roles = {role for g in grants.values() for _, role in g} - set(roles.permissions)
    unknown_roles = {r for r in unknown_roles if " if " not in r}
    for role in sorted(unknown_roles):
        result.violations.append(
            f"the stack grants {role}, whose permissions rehearsal/roles.toml does not list: "
            "add the role's permissions (with their source and date)"
        )

    needed: dict[tuple[str, Need], list[str]] = {}
    for call in calls:
        try:
            for need in needs(call, stack.project):
                needed.setdefault((call.identity, need), []).append(
                    f"{call.component}: {call.label}"
                )
        except UnknownCall as exc:
            result.violations.append(str(exc))

    used: set[tuple[str, str, str]] = set()
    for (who, need), sources in sorted(needed.items(), key=lambda i: (i[0][0], i[0][1].permission)):
        holders = tuple(
            (scope, role)
            for scope, role in sorted(grants.get(who, ()))
            if _covers(scope, need.resource) and need.permission in roles.permissions.get(role, ())
        )
        used |= {(who, scope, role) for scope, role in holders}
        if holders:
            result.covered.append(Covered(who, need, tuple(sorted(set(sources))), holders))
        elif need.optional:
            result.tolerated.append(
                f"{who} lacks {need.permission} on {need.resource}: {need.optional}"
            )
        else:
            result.violations.append(_missing(who, members.get(who, ()), need, sources, roles, gcp))

    for who, held in sorted(grants.items()):
        for scope, role in sorted(held):
            if (who, scope, role) in used:
                continue
            key = f"{who}|{_grant_scope(scope, gcp)}|{_grant_role(role, names)}"
            if key in roles.platform:
                result.platform.append(f"{who} holds {role} on {scope}: {roles.platform[key]}")
            else:
                result.unused.append(
                    f"{who} holds {role} on {scope}, which no recorded call needed"
                )
    result.violations += missing_apis(calls, stack, bootstrap, gcp)
    return result


def missing_apis(calls: list[Call], stack: Stack, bootstrap: Stack, gcp: GcpSettings) -> list[str]:
    """An API called, or required by the platform or the runtime, that no stack enables."""
    enabled = stack.services() | bootstrap.services()
    required: dict[str, str] = {}
    for call in calls:
        api = SERVICE_APIS[call.service]
        required.setdefault(api, f"called by {call.component}")
    required |= PLATFORM_APIS
    major = int(gcp.dataproc_runtime.split(".")[0])
    for since, apis in RUNTIME_APIS.items():
        if major >= since:
            required |= apis
    return [
        f"{api} is not enabled in the stack ({why}): add it to infra/apis.py STACK_APIS"
        for api, why in sorted(required.items())
        if api not in enabled
    ]


def _grants_of(bindings: dict, members: tuple[str, ...]) -> set[tuple[str, str]]:
    held: set[tuple[str, str]] = set()
    for member in members:
        held |= bindings.get(member, set())
    return held


def _covers(scope: str, resource: str) -> bool:
    if scope in (resource, "project"):
        return True
    kind, _, name = scope.partition(":")
    resource_kind, _, resource_name = resource.partition(":")
    return kind == "dataset" and resource_kind == "table" and resource_name.split(".")[0] == name


def _missing(
    who: str, members: tuple[str, ...], need: Need, sources: list[str], roles: Roles, gcp
) -> str:
    role = roles.smallest_with(need.permission) or "a role that holds it"
    scope = _grant_scope(need.resource, gcp)
    calls = "; ".join(sorted(set(sources))[:3])
    return (
        f"{who} ({', '.join(members) or 'no member'}) needs {need.permission} on "
        f"{need.resource} ({calls}), and no role granted to it holds that there: add "
        f'Grant("{who}", "{scope}", "{role}", ...) to infra/iam.py GRANTS'
    )


def _grant_scope(resource: str, gcp: GcpSettings) -> str:
    """A resource in the grant table's notation (bucket:landing, dataset:main, table:x)."""
    kind, _, name = resource.partition(":")
    if kind == "bucket":
        for key, purpose in BUCKET_PURPOSES.items():
            if getattr(gcp, key) == name:
                return f"bucket:{purpose.replace('tfstate', 'state')}"
    if kind == "dataset":
        return {gcp.dataset: "dataset:main", gcp.staging_dataset: "dataset:staging"}.get(
            name, resource
        )
    if kind == "table":
        return f"table:{name.split('.', 1)[1]}"
    if kind == "account":
        return f"account:{name.split('@')[0].rsplit('-', 1)[-1]}"
    if kind == "run":
        return "run:function"
    if kind == "repository":
        return "repository:functions"
    return resource


def _grant_role(role: str, names: EnvNames) -> str:
    """A role in the grant table's notation (custom:batch_submitter, no condition)."""
    role = role.split(" if ", 1)[0]
    if role.endswith(f"/roles/{names.batch_submitter_role}"):
        return "custom:batch_submitter"
    return role
