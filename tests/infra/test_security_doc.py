"""SECURITY.md cannot drift from the code: its grant tables are infra/iam.py's GRANTS and
infra/bootstrap.py's PLAN_ROLES, row for row, and it names every audited lock file."""

from __future__ import annotations

import re
from pathlib import Path

from infra.bootstrap import PLAN_ROLES
from infra.iam import GCF_SOURCE_PREFIXES, GRANTS
from infra.security import skipped_checks
from tools.security_scan import LOCK_FILES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "SECURITY.md"
TICKED = re.compile(r"`([^`]+)`")


def table_rows(header_start: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header row starts with `header_start`."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header_start}"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def expected_grant_row(grant) -> str:
    scope = f"`{grant.scope}`"
    if grant.condition:
        *first, last = (f"`{prefix}*`" for prefix in GCF_SOURCE_PREFIXES)
        scope += f" if the object is in a {', '.join(first)} or {last} bucket"
    return f"| `{grant.who}` | {scope} | `{grant.role}` | {grant.why} |"


def test_grant_table_is_iam_grants():
    documented = [
        (TICKED.search(who)[1], TICKED.search(scope)[1], TICKED.search(role)[1], why)
        for who, scope, role, why in table_rows("account | scope | role")
    ]
    expected = [(g.who, g.scope, g.role, g.why) for g in GRANTS]
    table = "\n".join(expected_grant_row(g) for g in GRANTS)
    assert documented == expected, f"SECURITY.md's grant table should be:\n{table}"


def test_grant_rows_verbatim():  # including how a conditional grant is worded
    lines = set(DOC.read_text(encoding="utf-8").splitlines())
    missing = [expected_grant_row(g) for g in GRANTS if expected_grant_row(g) not in lines]
    assert not missing, "SECURITY.md lacks these rows:\n" + "\n".join(missing)


def test_plan_roles_table_is_bootstrap_plan_roles():
    documented = [TICKED.search(row[0])[1] for row in table_rows("plan account: project role")]
    assert documented == list(PLAN_ROLES)


def test_every_audited_lock_file_is_named():
    text = DOC.read_text(encoding="utf-8")
    for lock in LOCK_FILES:
        assert (ROOT / lock).is_file(), lock
        assert f"`{lock}`" in text, f"SECURITY.md does not name {lock}"


def test_cmek_skips_are_the_ones_the_doc_relies_on():
    skips = skipped_checks()
    assert {"CKV_GCP_80", "CKV_GCP_81"} <= skips.keys()  # "Customer-managed keys are not used"
    assert all(reason.strip() for reason in skips.values())
