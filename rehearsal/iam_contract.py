"""The IAM contract: every recorded call is granted in the synthesized stack, and no more.

For each call a component made (rehearsal/recorder.py), the permissions it needs
(rehearsal/permissions.py) must be held by the identity that made it: some role
granted to one of its members, on the resource or on one that contains it (a
project holds its buckets and datasets, a dataset its tables), must contain the
permission, and the grant's condition, if it has one, must hold for the resource
(rehearsal/conditions.py). No deny rule of the stacks may take it away. The roles'
permissions come from rehearsal/roles.toml and, for custom roles, from the stack.
Every Google service the calls reach, and every one the Dataproc runtime needs, must
be enabled by the stacks.

What no call here can show is declared (`Declared`): the control-plane requirements
(rehearsal/control_plane.toml: what Google's service agents do, and what the
platform checks on our accounts), checked exactly like calls; and what CI's plan
identity must read to refresh each resource type the environment stack declares
(rehearsal/refresh_permissions.toml, `plan_refresh`).

Four kinds of result:
- a violation (the rehearsal fails): a call or requirement no grant covers, naming
  the identity, the permission, the resource and the grant to add; one a deny rule
  takes away; a resource type the plan identity cannot refresh; or an API not enabled;
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

from infra.naming import ACCOUNTS, AGENT, OPERATOR, SERVICE_AGENTS, EnvNames
from jobs.config import BUCKET_PURPOSES, GcpSettings
from rehearsal.conditions import Resource, holds
from rehearsal.permissions import Call, Need, UnknownCall, needs
from rehearsal.stack import PROJECT_NUMBER, DenyRule, Stack

ROLES_FILE = Path(__file__).with_name("roles.toml")
REQUIREMENTS_FILE = Path(__file__).with_name("control_plane.toml")
REFRESH_FILE = Path(__file__).with_name("refresh_permissions.toml")
PLAN = "plan"  # CI's plan identity (naming.ACCOUNTS)
# Google services the calls reach, by the recorder's service name.
SERVICE_APIS = {
    "bigquery": "bigquery.googleapis.com",
    "storage": "storage.googleapis.com",
    "dataproc": "dataproc.googleapis.com",
    "run": "run.googleapis.com",
    "cloudquotas": "cloudquotas.googleapis.com",
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
    sizes: dict[str, int] = field(default_factory=dict)  # listed + left-out permissions

    @classmethod
    def load(cls, path: Path = ROLES_FILE, custom: dict[str, tuple[str, ...]] | None = None):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        permissions = {name: frozenset(r["permissions"]) for name, r in data["roles"].items()}
        sizes = {name: len(r["permissions"]) + r["other"] for name, r in data["roles"].items()}
        permissions |= {name: frozenset(p) for name, p in (custom or {}).items()}
        return cls(permissions, data.get("platform", {}), sizes)

    def smallest_with(self, permission: str) -> str | None:
        """The predefined role with the fewest permissions that holds `permission`."""
        holding = [
            (self.sizes.get(name, len(held)), name)
            for name, held in self.permissions.items()
            if permission in held and name.startswith("roles/")
        ]
        return min(holding)[1] if holding else None


@dataclass(frozen=True)
class Requirement:
    """Something Google's platform does as, or checks on, an identity of the deployment."""

    who: str
    on: str  # the grant table's notation, or object:<bucket>/<name>
    why: str
    source: str
    permission: str | None = None
    role: str | None = None  # a role Google says the identity must hold, by name


@dataclass(frozen=True)
class Declared:
    """What the contract checks besides the recorded calls (see the module's docstring)."""

    requirements: tuple[Requirement, ...] = ()
    refresh: dict | None = None  # refresh_permissions.toml; None: the plan is not checked

    @classmethod
    def load(cls) -> Declared:
        data = tomllib.loads(REQUIREMENTS_FILE.read_text(encoding="utf-8"))
        requirements = tuple(
            Requirement(**{k: v for k, v in r.items() if k != "read"}) for r in data["requirement"]
        )
        return cls(requirements, tomllib.loads(REFRESH_FILE.read_text(encoding="utf-8")))


def identities(names: EnvNames) -> dict[str, tuple[str, ...]]:
    """Every identity of the grant table with its IAM members; a service agent's email
    holds the project's number as the synthesized stack reads it (PROJECT_NUMBER)."""
    agents = [f"{AGENT}{key}" for key in SERVICE_AGENTS]
    return {who: names.members(who, PROJECT_NUMBER) for who in (*ACCOUNTS, OPERATOR, *agents)}


class Access:
    """Who holds what in the synthesized stacks: grants with their conditions, deny rules
    and the tags they test."""

    def __init__(self, stack: Stack, bootstrap: Stack, names: EnvNames, roles: Roles):
        self.names, self.roles, self.project = names, roles, stack.project
        self.members = identities(names)
        bindings = stack.bindings()
        for member, held in bootstrap.bindings().items():  # the plan identity's roles
            bindings.setdefault(member, set()).update(held)
        self.grants = {who: _grants_of(bindings, ms) for who, ms in self.members.items()}
        self.deny_rules: list[DenyRule] = stack.deny_rules() + bootstrap.deny_rules()
        self.tags: dict[str, set] = {}
        for source in (stack, bootstrap):
            for bucket, tags in source.bucket_tags().items():
                self.tags.setdefault(bucket, set()).update(tags)

    def holders(self, who: str, need: Need) -> tuple[tuple[str, str], ...]:
        """The (scope, role) grants of `who` that hold `need` (conditions evaluated)."""
        found = []
        for scope, role in sorted(self.grants.get(who, ())):
            base, _, condition = role.partition(" if ")
            if not _covers(scope, need.resource):
                continue
            if need.permission not in self.roles.permissions.get(base, ()):
                continue
            if condition and not holds(condition, self.resource(need.resource)):
                continue
            found.append((scope, role))
        return tuple(found)

    def denied_by(self, who: str, need: Need) -> DenyRule | None:
        principals = {_deny_principal(m) for m in self.members.get(who, ())}
        for rule in self.deny_rules:
            if not principals & set(rule.principals) or need.permission not in rule.permissions:
                continue
            if rule.condition is None or holds(rule.condition, self.resource(need.resource)):
                return rule
        return None

    def decide(self, who: str, permission: str, resource: str) -> str:
        """granted | denied | missing: what IAM would answer `who` for `permission`."""
        need = Need(permission, resource)
        if self.denied_by(who, need):
            return "denied"
        return "granted" if self.holders(who, need) else "missing"

    def resource(self, resource: str) -> Resource:
        """A contract resource as IAM conditions see it: type, full name, tags."""
        kind, _, name = resource.partition(":")
        if kind == "bucket":
            tags = frozenset(self.tags.get(name, ()))
            return Resource("storage.googleapis.com/Bucket", f"projects/_/buckets/{name}", tags)
        if kind == "object":
            bucket, _, path = name.partition("/")
            tags = frozenset(self.tags.get(bucket, ()))  # an object carries its bucket's tags
            full = f"projects/_/buckets/{bucket}/objects/{path}"
            return Resource("storage.googleapis.com/Object", full, tags)
        if kind == "project":
            project = f"projects/{self.project}"
            return Resource("cloudresourcemanager.googleapis.com/Project", project)
        return Resource("", resource)


def check(
    calls: list[Call],
    stack: Stack,
    bootstrap: Stack,
    names: EnvNames,
    roles: Roles | None = None,
    declared: Declared = Declared(),
) -> Result:
    """Check `calls` (and what is `declared`) against the grants of the environment's
    synthesized stacks."""
    roles = roles or Roles.load(custom=stack.custom_roles())
    gcp = names.gcp
    access = Access(stack, bootstrap, names, roles)
    members, grants = access.members, access.grants
    result = Result()
    granted_roles = {role.split(" if ", 1)[0] for g in grants.values() for _, role in g}
    for role in sorted(granted_roles - set(roles.permissions)):
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
    for requirement in declared.requirements:
        resource = _requirement_resource(requirement.on, names)
        if requirement.role:
            used |= _role_requirement(requirement, resource, access, result)
            continue
        need = Need(requirement.permission, resource)
        needed.setdefault((requirement.who, need), []).append(
            f"control plane: {requirement.why} ({requirement.source})"
        )

    for (who, need), sources in sorted(needed.items(), key=lambda i: (i[0][0], i[0][1].permission)):
        holders = access.holders(who, need)
        used |= {(who, scope, role) for scope, role in holders}
        rule = access.denied_by(who, need) if holders else None
        if rule:
            result.violations.append(
                f"{who} needs {need.permission} on {need.resource} ({'; '.join(sources[:2])}), "
                f"and deny policy {rule.policy} takes it away: narrow the rule's condition "
                "or its permissions (infra/confinement.py)"
            )
        elif holders:
            result.covered.append(Covered(who, need, tuple(sorted(set(sources))), holders))
        elif need.optional:
            result.tolerated.append(
                f"{who} lacks {need.permission} on {need.resource}: {need.optional}"
            )
        else:
            result.violations.append(_missing(who, members.get(who, ()), need, sources, roles, gcp))

    if declared.refresh is not None:
        result.violations += plan_refresh(stack, declared.refresh, access, used)

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


def plan_refresh(stack: Stack, refresh: dict, access: Access, used: set) -> list[str]:
    """What CI's plan identity lacks to refresh each resource type and data source of the
    environment stack; the grants it uses are added to `used`."""
    problems = []
    declared = [("resource", t, c) for t, c in stack.data.get("resource", {}).items()]
    declared += [("data", t, c) for t, c in stack.data.get("data", {}).items()]
    declared += [("backend", t, c) for t, c in stack.data["terraform"].get("backend", {}).items()]
    for section, rtype, configs in sorted(declared):
        entry = refresh.get(section, {}).get(rtype)
        label = {"data": f"data.{rtype}", "backend": f"its {rtype} backend"}.get(section, rtype)
        if entry is None:
            problems.append(
                f"the stack declares {label}, which rehearsal/refresh_permissions.toml does not "
                "list: add the permission terraform plan needs to read it (with its source)"
            )
            continue
        scopes = {"project"}
        if entry.get("on") == "bucket":
            scopes = {f"bucket:{stack.resolve(c['bucket'])}" for c in configs.values()}
        elif section == "backend":
            scopes = {f"bucket:{stack.resolve(configs['bucket'])}"}
        for permission in entry["permissions"]:
            for scope in sorted(scopes):
                need = Need(permission, scope)
                holders = access.holders(PLAN, need)
                used |= {(PLAN, s, r) for s, r in holders}
                if not holders:
                    role = access.roles.smallest_with(permission) or "a role that holds it"
                    problems.append(
                        f"plan ({', '.join(access.members[PLAN])}) cannot refresh {label}: it "
                        f"needs {permission} on {scope}; add {role} to infra/bootstrap.py "
                        "PLAN_ROLES"
                    )
    return problems


def _role_requirement(requirement: Requirement, resource: str, access: Access, result: Result):
    """A requirement that names a role: the identity must hold that very role there."""
    held = {
        (requirement.who, scope, role)
        for scope, role in access.grants.get(requirement.who, ())
        if role == requirement.role and _covers(scope, resource)
    }
    if not held:
        scope = _grant_scope(resource, access.names.gcp)
        result.violations.append(
            f"{requirement.who} ({', '.join(access.members.get(requirement.who, ()))}) must hold "
            f"{requirement.role} on {resource} ({requirement.why}; {requirement.source}): add "
            f'Grant("{requirement.who}", "{scope}", "{requirement.role}", ...) to infra/iam.py '
            "GRANTS"
        )
    return held


def _requirement_resource(on: str, names: EnvNames) -> str:
    """A requirement's `on`, from the grant table's notation to the contract's resources."""
    gcp = names.gcp
    kind, _, name = on.partition(":")
    if kind == "bucket":
        key = {p.replace("tfstate", "state"): k for k, p in BUCKET_PURPOSES.items()}[name]
        return f"bucket:{getattr(gcp, key)}"
    if kind == "account":
        return f"account:{names.email(name)}"
    if kind == "repository":
        return f"repository:{names.name(name)}"
    if kind == "object":
        return "object:" + name.format(number=PROJECT_NUMBER, region=gcp.region)
    return on


def _deny_principal(member: str) -> str:
    """An allow policy's member as deny policies name it
    (https://cloud.google.com/iam/docs/principal-identifiers, read 2026-12-07)."""
    kind, _, name = member.partition(":")
    return {
        "serviceAccount": f"principal://iam.googleapis.com/projects/-/serviceAccounts/{name}",
        "user": f"principal://goog/subject/{name}",
        "group": f"principalSet://goog/group/{name}",
        "domain": f"principalSet://goog/cloudIdentityCustomerId/{name}",
    }.get(kind, member)


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
    if kind == "bucket" and resource_kind == "object":  # a bucket holds its objects
        return resource_name.split("/", 1)[0] == name
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
