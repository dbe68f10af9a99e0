"""tools/security_scan.py: the pip-audit wrapper (with a fake pip-audit) and the secret scan."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tools import security_scan as scan

# Built at run time so that this file itself holds no secret-looking literal.
AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLE"
GOOGLE_API_ID = "AIza" + "x" * 35
PEM = "-----BEGIN " + "PRIVATE KEY-----"
RSA_PEM = "-----BEGIN RSA " + "PRIVATE KEY-----"
SA_KEY = '"private_key_id": "' + "0123456789abcdef" * 2 + '01234567"'


# ------------------------------------------------------------------ requirement files


def test_pinned_packages(tmp_path):
    req = tmp_path / "r.txt"
    req.write_text("# c\nfoo==1.0\nBar_baz[extra]==2.0.1 ; python_version>'3'\nqux>=1\n\n")
    assert scan.pinned_packages(req) == [("foo", "1.0"), ("Bar_baz", "2.0.1")]


def test_every_lock_file_is_fully_pinned():
    for lock in scan.LOCK_FILES:
        text = (scan.ROOT / lock).read_text(encoding="utf-8")
        lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
        assert all("==" in ln for ln in lines if ln), lock
        assert scan.pinned_packages(scan.ROOT / lock), lock


def test_reasoned_ids(tmp_path):
    path = tmp_path / "ignore.txt"
    path.write_text("# header\n\nPYSEC-2024-1  # not reachable: we never parse untrusted XML\n")
    assert scan.reasoned_ids(path) == {
        "PYSEC-2024-1": "not reachable: we never parse untrusted XML"
    }
    path.write_text("GHSA-xxxx-yyyy-zzzz\n")
    with pytest.raises(ValueError, match="reason"):
        scan.reasoned_ids(path)
    assert scan.reasoned_ids(tmp_path / "absent.txt") == {}


def test_committed_ignore_and_findings_files_parse():
    assert all(scan.reasoned_ids(scan.AUDIT_IGNORE).values())
    assert all(scan.justified_findings().values())


# ------------------------------------------------------------------ pip-audit wrapper


class FakePipAudit:
    """Stands in for subprocess.run: answers per service, records the calls."""

    def __init__(self, answers: dict[str, object]):
        self.answers, self.calls = answers, []

    def __call__(self, args, **_):
        service = args[args.index("-s") + 1]
        requirements = Path(args[args.index("-r") + 1])
        self.calls.append((service, requirements.name))
        answer = self.answers[service]
        if isinstance(answer, str):  # an error on stderr, no JSON
            return subprocess.CompletedProcess(args, 1, "", answer)
        deps = answer(requirements) if callable(answer) else answer
        return subprocess.CompletedProcess(args, 0, json.dumps({"dependencies": deps}), "")


def known(requirements: Path, vulns: dict | None = None) -> list[dict]:
    vulns = vulns or {}
    return [
        {"name": n, "version": v, "vulns": vulns.get(n, [])}
        for n, v in scan.pinned_packages(requirements)
    ]


def not_found(requirements: Path) -> list[dict]:
    return [{"name": n, "skip_reason": "Dependency not found on PyPI and could not be audited"}
            for n, _ in scan.pinned_packages(requirements)]  # fmt: skip


@pytest.fixture
def pip_audit_on_path(monkeypatch):
    monkeypatch.setattr(scan, "_tool", lambda name: f"/fake/{name}")


OSV_DOWN = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
    "Max retries exceeded (Caused by NameResolutionError(...))"
)


def test_no_service_reachable_is_one_line_and_not_a_failure(pip_audit_on_path, capsys):
    fake = FakePipAudit({"pypi": not_found, "osv": OSV_DOWN})
    assert scan.run_audit(runner=fake) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert "no vulnerability service reachable" in out[0]
    assert "cannot connect to api.osv.dev" in out[0]
    assert f"{len(scan.LOCK_FILES)} lock files" in out[0] and "NOT audited" in out[0]
    assert [c[0] for c in fake.calls] == ["pypi", "osv"]  # only the probe ran


def test_clean_audit_reports_each_lock(pip_audit_on_path, capsys):
    fake = FakePipAudit({"pypi": known, "osv": OSV_DOWN})
    assert scan.run_audit(runner=fake) == 0
    out = capsys.readouterr().out
    for lock in scan.LOCK_FILES:
        assert f"pip-audit: {lock}: " in out
    assert out.count("0 known vulnerabilities") == len(scan.LOCK_FILES)


def test_falls_back_to_osv(pip_audit_on_path, capsys):
    fake = FakePipAudit({"pypi": "ConnectionError: host='pypi.org'", "osv": known})
    assert scan.run_audit(locks=("infra/requirements.lock",), runner=fake) == 0
    assert "[osv]" in capsys.readouterr().out


VULN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fix_versions": ["99.0"]}


def test_vulnerability_fails_unless_ignored(pip_audit_on_path, capsys, monkeypatch, tmp_path):
    def vulnerable(requirements):
        name = scan.pinned_packages(requirements)[0][0]
        return known(requirements, {name: [VULN]})

    fake = FakePipAudit({"pypi": vulnerable, "osv": OSV_DOWN})
    ignore = tmp_path / "audit-ignore.txt"
    monkeypatch.setattr(scan, "AUDIT_IGNORE", ignore)
    ignore.write_text("")
    assert scan.run_audit(locks=("requirements.lock",), runner=fake) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE" in out and "PYSEC-2099-1, fixed in 99.0" in out
    ignore.write_text("CVE-2099-0001  # an alias matches too: test\n")
    assert scan.run_audit(locks=("requirements.lock",), runner=fake) == 0
    assert "1 known vulnerabilities (1 ignored" in capsys.readouterr().out


def test_parse_pip_audit_counts_skips():
    report = {"dependencies": [
        {"name": "a", "version": "1", "vulns": [VULN]},
        {"name": "b", "version": "2", "vulns": []},
        {"name": "c", "skip_reason": "not found"},
    ]}  # fmt: skip
    vulns, audited, skipped = scan.parse_pip_audit(report)
    assert (audited, skipped) == (2, 1)
    assert [str(v) for v in vulns] == ["a==1: PYSEC-2099-1, fixed in 99.0"]
    assert vulns[0].ids() == {"PYSEC-2099-1", "CVE-2099-0001"}


# ------------------------------------------------------------------ secret scan


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (f'key = "{GOOGLE_API_ID}"', "Google API Key"),
        ('secret: "GOCSPX-' + "a1B2" * 7 + '"', "Google OAuth Client Secret"),
        ("Authorization: Bearer ya29." + "a0AfH6SM" * 4, "Google OAuth Access Token"),
        (SA_KEY, "GCP Service Account Key"),
        (PEM, "Private Key"),
        (RSA_PEM, "Private Key"),
        ("-----BEGIN OPENSSH " + "PRIVATE KEY-----", "Private Key"),
    ],
)
def test_patterns_find(tmp_path, line, kind):
    (tmp_path / "f.txt").write_text(f"x\n{line}\n")
    found = scan.scan_patterns(tmp_path, ["f.txt"])
    assert [(f.type, f.line) for f in found] == [(kind, 2)]


def test_patterns_ignore_look_alikes(tmp_path):
    (tmp_path / "f.txt").write_text(
        "-----BEGIN PUBLIC KEY-----\n"
        "AIzaShort\n"
        f"{GOOGLE_API_ID}x\n"  # 36 characters: not a key
        '"private_key_id": "not-hex"\n'
    )
    (tmp_path / "b.bin").write_bytes(b"\xff\xfe" + PEM.encode("utf-16-le"))
    assert scan.scan_patterns(tmp_path, ["f.txt", "b.bin"]) == []


def test_pattern_finding_hash_is_sha1_of_the_secret(tmp_path):
    (tmp_path / "f.txt").write_text(GOOGLE_API_ID)
    (finding,) = scan.scan_patterns(tmp_path, ["f.txt"])
    assert finding.hashed_secret == hashlib.sha1(GOOGLE_API_ID.encode()).hexdigest()


def git_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / ".gitignore").write_text("ignored.txt\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.py"], check=True)
    return tmp_path


def test_repository_files_are_tracked_and_untracked_not_ignored(tmp_path):
    repo = git_repo(tmp_path, {"tracked.py": "", "new.py": "", "ignored.txt": ""})
    assert scan.repository_files(repo) == [".gitignore", "new.py", "tracked.py"]


def test_detect_secrets_finds_and_findings_file_justifies(tmp_path, monkeypatch, capsys):
    repo = git_repo(tmp_path, {
        "tracked.py": f'aws = "{AWS_KEY}"  # pragma: allowlist secret\n',
        "new.py": f"{PEM}  # pragma: allowlist secret\n",
        "ignored.txt": f'aws = "{AWS_KEY}"\n',
    })  # fmt: skip
    found = scan.scan_detect_secrets(repo, scan.repository_files(repo))
    assert ("tracked.py", "AWS Access Key") in {(f.file, f.type) for f in found}
    assert all(f.file != "ignored.txt" for f in found)

    findings_md = tmp_path / "findings.md"
    monkeypatch.setattr(scan, "FINDINGS", findings_md)
    monkeypatch.setattr(scan, "ROOT", tmp_path)
    findings_md.write_text("")
    assert scan.run_secrets(repo) == 1
    out = capsys.readouterr().out
    assert "secrets: FOUND tracked.py:1: AWS Access Key" in out
    assert "secrets: FOUND new.py:1: Private Key" in out
    assert "FOUND findings.md" not in out  # the allowlist itself is not scanned

    every = scan.scan_detect_secrets(repo, scan.repository_files(repo))
    every += scan.scan_patterns(repo, scan.repository_files(repo))
    rows = [f"| `{f.file}` | {f.type} | `{f.hashed_secret}` | test fixture |" for f in every]
    findings_md.write_text("| file | type | sha1 | why |\n|---|---|---|---|\n" + "\n".join(rows))
    assert scan.run_secrets(repo) == 0
    assert f"{len(every)} findings, {len(every)} justified" in capsys.readouterr().out


def test_finding_without_justification_is_an_error(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("| `a.py` | AWS Access Key | `" + "a" * 40 + "` |  |\n")
    with pytest.raises(ValueError, match="justification"):
        scan.justified_findings(path)
