"""A synthesized stack (`cdk.tf.json`), read for what the rehearsal deploys and checks.

Terraform resolves `${type.name.attr}` references when it applies; here the few
attributes the rehearsal needs are resolved from the referenced resource's own
literal configuration (a service account's email is derived from its id), also
inside a longer string. The project's number, which only Google knows, reads as
PROJECT_NUMBER. IAM members become one (scope, role) set per member, scopes
written as the grant table writes them: `project`, `bucket:<name>`,
`dataset:<id>`, `table:<dataset>.<table>`, `account:<email>`, `run:<service>`,
`repository:<id>`. Deny rules and the tags bound to buckets are read too. Standard
library only: the infra tests read stacks with it too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}$")
EMBEDDED = re.compile(r"\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_]+\.[a-z_]+)\}")
PROJECT_NUMBER = "PROJECT_NUMBER"  # what `${data.google_project.<name>.number}` reads as
BUCKET_PARENT = "//storage.googleapis.com/projects/_/buckets/"


@dataclass(frozen=True)
class DenyRule:
    policy: str
    principals: tuple[str, ...]  # principal://iam.googleapis.com/projects/-/serviceAccounts/<e>
    permissions: tuple[str, ...]  # as allow policies name them: storage.objects.create
    condition: str | None


@dataclass
class Stack:
    name: str
    path: Path
    data: dict

    @classmethod
    def load(cls, path: Path) -> Stack:
        return cls(path.parent.name, path, json.loads(path.read_text(encoding="utf-8")))

    # -- resources ---------------------------------------------------------------------

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

    def data_source(self, rtype: str, name: str) -> dict:
        found = self.data.get("data", {}).get(rtype, {})
        assert name in found, f"{self.name}: no data.{rtype}.{name} (have {sorted(found)})"
        return found[name]

    def resolve(self, value):
        """A literal, or the referenced resource's literal attribute (emails are derived)."""
        if not isinstance(value, str):
            return value
        if value.startswith("${data.") and EMBEDDED.fullmatch(value):
            return self._resolve_data(value)
        match = REF.match(value)
        if not match:
            if "${" in value:  # references inside a longer string
                return EMBEDDED.sub(lambda m: str(self.resolve("${" + m[1] + "}")), value)
            return value
        rtype, name, attr = match.groups()
        conf = self.resource(rtype, name)
        if rtype == "google_service_account" and attr in ("email", "member", "name", "id"):
            email = f"{conf['account_id']}@{self.project}.iam.gserviceaccount.com"
            return {
                "email": email,
                "member": f"serviceAccount:{email}",
            }.get(attr, f"projects/{self.project}/serviceAccounts/{email}")
        if attr in conf:
            return self.resolve(conf[attr])
        return value

    def _resolve_data(self, value: str):
        rtype, name, attr = value[len("${data.") : -1].split(".")
        if rtype == "google_project" and attr == "number":
            return PROJECT_NUMBER
        conf = self.data_source(rtype, name)
        return self.resolve(conf[attr]) if attr in conf else value

    def _tag_config(self, reference: str) -> dict:
        """The configuration of a tag key or value, from a reference to its id."""
        inner = reference.removeprefix("${").removesuffix("}")
        if inner.startswith("data."):
            _, rtype, name, _ = inner.split(".")
            return self.data_source(rtype, name)
        rtype, name, _ = inner.split(".")
        return self.resource(rtype, name)

    def tag(self, value_reference: str) -> tuple[str, str]:
        """(namespaced key `<project>/<key>`, value) of a reference to a tag value's id."""
        value = self._tag_config(value_reference)
        key = self._tag_config(value["parent"])
        project = key["parent"].removeprefix("projects/")
        return f"{project}/{key['short_name']}", value["short_name"]

    def bucket_tags(self) -> dict[str, set[tuple[str, str]]]:
        """bucket name -> the tags bound to it."""
        found: dict[str, set[tuple[str, str]]] = {}
        for binding in self.resources("google_tags_location_tag_binding").values():
            parent = self.resolve(binding["parent"])
            if parent.startswith(BUCKET_PARENT):
                bucket = parent.removeprefix(BUCKET_PARENT)
                found.setdefault(bucket, set()).add(self.tag(binding["tag_value"]))
        return found

    def deny_rules(self) -> list[DenyRule]:
        """Every rule of every deny policy, with its permissions named as allow policies
        name them (`storage.googleapis.com/objects.create` is `storage.objects.create`)."""
        rules = []
        for policy in self.resources("google_iam_deny_policy").values():
            for rule in policy["rules"]:
                deny = rule["deny_rule"]
                rules.append(
                    DenyRule(
                        policy=policy["name"],
                        principals=tuple(self.resolve(p) for p in deny["denied_principals"]),
                        permissions=tuple(_allow_name(p) for p in deny["denied_permissions"]),
                        condition=(deny.get("denial_condition") or {}).get("expression"),
                    )
                )
        return rules

    # -- what the rehearsal reads ------------------------------------------------------

    def bindings(self) -> dict[str, set[tuple[str, str]]]:
        """member -> {(scope, role)} over every IAM member resource of the stack.

        A conditional grant's role reads `<role> if <condition expression>`.
        """
        found: dict[str, set[tuple[str, str]]] = {}
        for rtype, scope_of in _SCOPES.items():
            for conf in self.resources(rtype).values():
                role = conf["role"]
                if "condition" in conf:
                    role += f" if {conf['condition']['expression']}"
                member = self.resolve(conf["member"])
                found.setdefault(member, set()).add((scope_of(self, conf), role))
        return found

    def iam_resource_types(self) -> set[str]:
        """Every type of resource that grants a role: IAM members, bindings and policies."""
        grants = ("_iam_member", "_iam_binding", "_iam_policy")
        return {t for t in self.data.get("resource", {}) if t.endswith(grants)}

    def services(self) -> set[str]:
        """The APIs the stack enables."""
        return {s["service"] for s in self.resources("google_project_service").values()}

    def custom_roles(self) -> dict[str, tuple[str, ...]]:
        """Role name (`projects/<p>/roles/<id>`) -> its permissions."""
        return {
            f"projects/{self.resolve(r['project'])}/roles/{r['role_id']}": tuple(r["permissions"])
            for r in self.resources("google_project_iam_custom_role").values()
        }


def _allow_name(permission: str) -> str:
    service, _, rest = permission.partition("/")
    return f"{service.split('.')[0]}.{rest}"


_SCOPES = {
    "google_project_iam_member": lambda s, c: "project",
    "google_storage_bucket_iam_member": lambda s, c: f"bucket:{s.resolve(c['bucket'])}",
    "google_bigquery_dataset_iam_member": lambda s, c: f"dataset:{s.resolve(c['dataset_id'])}",
    "google_bigquery_table_iam_member": lambda s, c: (
        f"table:{s.resolve(c['dataset_id'])}.{s.resolve(c['table_id'])}"
    ),
    "google_service_account_iam_member": lambda s, c: (
        f"account:{s.resolve(c['service_account_id']).rsplit('/', 1)[-1]}"
    ),
    "google_cloud_run_v2_service_iam_member": lambda s, c: f"run:{s.resolve(c['name'])}",
    "google_artifact_registry_repository_iam_member": lambda s, c: (
        f"repository:{s.resolve(c['repository'])}"
    ),
}
IAM_MEMBER_TYPES = tuple(_SCOPES)
