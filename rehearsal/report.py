"""The rehearsal's report: the checks, the IAM contract's table, the findings, the limits."""

from __future__ import annotations

from rehearsal.scenario import Result

# What no offline rehearsal can show; docs/deploy.md says how to check each in a project.
BOUNDARIES = (
    "the Cloud Storage connector: Spark reads gs:// here through a Hadoop mount of the "
    "emulator's folder, not through the connector Dataproc ships",
    "IAM itself: the emulators enforce no permission; the contract checks each recorded call, "
    "and each declared control-plane requirement (rehearsal/control_plane.toml), against the "
    "stack's grants, their conditions, its deny rules and the roles' documented permissions",
    "Terraform with the Google provider (it cannot be downloaded here): the stack's data "
    "resources are created from the synthesized JSON, not by terraform apply",
    "Cloud Build, Cloud Run's ingress and OIDC check, Cloud Scheduler's delivery, Dataproc's "
    "scheduling, the quotas a real project has (make preflight reads them from a stand-in "
    "here), organization policies and IAM propagation delays",
)


def _table(covered) -> list[str]:
    """identity x permission x granted by; a run's many staging tables as one row."""
    rows: dict[tuple, list[str]] = {}
    for row in covered:
        granted = ", ".join(f"{role} on {scope}" for scope, role in row.granted_by)
        rows.setdefault((row.identity, row.need.permission, granted), []).append(row.need.resource)
    lines = [f"  {'identity':<10} {'permission':<30} {'resource':<44} granted by"]
    for (who, permission, granted), resources in sorted(rows.items()):
        for resource in _collapsed(resources):
            lines.append(f"  {who:<10} {permission:<30} {resource:<44} {granted}")
    return lines


def _collapsed(resources: list[str]) -> list[str]:
    """Tables of a dataset beyond three become `table:<dataset>.* (N tables)`."""
    by_dataset: dict[str, list[str]] = {}
    others = []
    for resource in sorted(set(resources)):
        if resource.startswith("table:"):
            by_dataset.setdefault(resource[6:].split(".")[0], []).append(resource)
        else:
            others.append(resource)
    for dataset, tables in by_dataset.items():
        others += tables if len(tables) <= 3 else [f"table:{dataset}.* ({len(tables)} tables)"]
    return others


def render(result: Result) -> str:
    lines = [f"rehearsal of env {result.env}: {'PASSED' if result.ok else 'FAILED'} "
             f"in {result.seconds:.0f} s", ""]  # fmt: skip
    width = max((len(c.step) for c in result.checks), default=0)
    for c in result.checks:
        lines.append(f"  {'ok  ' if c.ok else 'FAIL'}  {c.step:<{width}}  {c.detail}")
    contract = result.contract
    if contract is None:
        lines += ["", "IAM contract: not checked (the rehearsal stopped before it)"]
        return "\n".join(lines)
    lines += [
        "",
        f"IAM contract: {len(result.calls.calls)} calls recorded, "
        f"{len(contract.covered)} permissions needed, {len(contract.violations)} violations",
    ]
    lines += _table(contract.covered)
    for title, items in (
        ("violations", contract.violations),
        ("tolerated (refused without harm)", contract.tolerated),
        ("least-privilege findings (grants no recorded call needed)", contract.unused),
        ("grants the platform uses (not exercised here)", contract.platform),
        ("what the rehearsal cannot see", BOUNDARIES),
    ):
        if items:
            lines += ["", f"{title}:"] + [f"  - {item}" for item in items]
    return "\n".join(lines)
