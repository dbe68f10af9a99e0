"""A synthesized stack (`cdk.tf.json`), read for what the rehearsal deploys and checks.

Terraform resolves `${type.name.attr}` references when it applies; here the few
attributes the rehearsal needs are resolved from the referenced resource's own
literal configuration (a service account's email is derived from its id). IAM
members become one (scope, role) set per member, scopes written as the grant
table writes them: `project`, `bucket:<name>`, `dataset:<id>`,
`table:<dataset>.<table>`, `account:<email>`, `run:<service>`,
`repository:<id>`. Standard library only: the infra tests read stacks with it too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}$")


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

    def resolve(self, value):
        """A literal, or the referenced resource's literal attribute (emails are derived)."""
        if not isinstance(value, str):
            return value
        match = REF.match(value)
        if not match:
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
