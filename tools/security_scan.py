"""Dependency audit and secret scan of the repository (run by `make lint-infra`).

    python tools/security_scan.py [audit|secrets]   # default: both

audit    pip-audit over every locked dependency file (LOCK_FILES), package by package
         (`--no-deps --disable-pip`: the files are fully pinned, nothing is resolved or
         installed). A known vulnerability fails, unless tools/audit-ignore.txt lists its id
         with a reason. When no vulnerability service answers (PyPI's JSON API, then OSV),
         the audit says so in one line and does not fail: the check needs the network.
secrets  detect-secrets (offline, every plugin) plus a few Google-specific patterns it
         lacks, over every file git tracks or would add (untracked, not ignored). Each
         finding fails unless tools/security-findings.md lists it (file, type, the
         SHA-1 of the secret) with a justification; inline allowlist pragmas do not count.

Both run with the infra venv's Python (.venv-infra: pip-audit and bc-detect-secrets are
pinned in infra/requirements.lock). Exit status: 0 clean, 1 findings, 2 a tool failed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILES = (
    "requirements.lock",
    "infra/requirements.lock",
    "functions/requirements.txt",
    "tools/emulators/requirements.lock",
)
AUDIT_IGNORE = ROOT / "tools" / "audit-ignore.txt"
FINDINGS = ROOT / "tools" / "security-findings.md"
SERVICES = ("pypi", "osv")  # tried in this order
PROBE_VERSION = "2.10.1"  # pip-audit's own pin: a package every service knows


# ---------------------------------------------------------------------------- helpers


def _tool(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def pinned_packages(path: Path) -> list[tuple[str, str]]:
    """(name, version) of every `name==version` line of a requirements file."""
    pins = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+).*", line)
        if match:
            pins.append((match.group(1), match.group(2)))
    return pins


def reasoned_ids(path: Path) -> dict[str, str]:
    """`ID  # reason` lines (blank and comment lines skipped); a missing reason is an error."""
    ids: dict[str, str] = {}
    if not path.exists():
        return ids
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._:-]*)\s+#\s*(\S.*)", line)
        if not match:
            raise ValueError(f"{path}:{number}: expected 'VULN-ID  # reason', got {raw!r}")
        ids[match.group(1)] = match.group(2)
    return ids


# ---------------------------------------------------------------------------- pip-audit


@dataclass(frozen=True)
class Vulnerability:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def ids(self) -> set[str]:
        return {self.id, *self.aliases}

    def __str__(self) -> str:
        fix = f", fixed in {', '.join(self.fix_versions)}" if self.fix_versions else ""
        return f"{self.package}=={self.version}: {self.id}{fix}"


@dataclass
class AuditResult:
    lock: str
    packages: int
    service: str | None = None  # the service that answered; None: none did
    vulnerabilities: list[Vulnerability] | None = None
    not_audited: int = 0
    error: str = ""


def parse_pip_audit(report: dict) -> tuple[list[Vulnerability], int, int]:
    """(vulnerabilities, packages audited, packages skipped) of a pip-audit JSON report."""
    vulns, audited, skipped = [], 0, 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped += 1
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            vulns.append(
                Vulnerability(
                    dep["name"],
                    dep.get("version", "?"),
                    vuln["id"],
                    tuple(vuln.get("aliases", ())),
                    tuple(vuln.get("fix_versions", ())),
                )
            )
    return vulns, audited, skipped


def _pip_audit(requirements: Path, service: str, runner) -> tuple[dict | None, str]:
    """pip-audit's JSON report of one requirements file, or (None, why it gave none)."""
    binary = _tool("pip-audit")
    if binary is None:
        return None, "pip-audit not installed (it is pinned in infra/requirements.lock)"
    proc = runner(
        [binary, "--disable-pip", "--no-deps", "-r", str(requirements), "-s", service,
         "-f", "json", "--progress-spinner", "off", "--timeout", "15"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    try:
        return json.loads(proc.stdout), ""
    except ValueError:
        text = proc.stderr
        host = re.search(r"host='([^']+)'", text)
        if "ConnectionError" in text or "NameResolution" in text:
            return None, f"cannot connect to {host.group(1) if host else 'the service'}"
        last = (text.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return None, last[:120]


def probe_service(runner=subprocess.run) -> tuple[str | None, list[str]]:
    """The first vulnerability service that knows a package we pin (pip-audit itself)."""
    import tempfile

    why = []
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.txt"
        probe.write_text(f"pip-audit=={PROBE_VERSION}\n", encoding="utf-8")
        for service in SERVICES:
            report, error = _pip_audit(probe, service, runner)
            if report is None:
                why.append(f"{service}: {error}")
            elif parse_pip_audit(report)[1] == 0:
                why.append(f"{service}: answers 'not found' for every package")
            else:
                return service, why
    return None, why


def audit_lock(lock: str, service: str, runner=subprocess.run) -> AuditResult:
    path = ROOT / lock
    result = AuditResult(lock, len(pinned_packages(path)), service)
    report, error = _pip_audit(path, service, runner)
    if report is None:
        result.error = error
        return result
    result.vulnerabilities, _, result.not_audited = parse_pip_audit(report)
    return result


def run_audit(locks=LOCK_FILES, runner=subprocess.run) -> int:
    ignored = reasoned_ids(AUDIT_IGNORE)
    total = sum(len(pinned_packages(ROOT / lock)) for lock in locks)
    service, why = probe_service(runner)
    if service is None:
        print(
            f"pip-audit: no vulnerability service reachable ({'; '.join(why)}): "
            f"{len(locks)} lock files, {total} pins NOT audited; not failing the lint"
        )
        return 0
    failed = 0
    for r in (audit_lock(lock, service, runner) for lock in locks):
        if r.vulnerabilities is None:
            print(f"pip-audit: {r.lock}: {r.packages} pins NOT audited ({r.error})")
            continue
        open_ = [v for v in r.vulnerabilities if not v.ids() & ignored.keys()]
        for v in open_:
            print(f"pip-audit: {r.lock}: VULNERABLE {v}")
        skipped = f", {r.not_audited} unknown to the service" if r.not_audited else ""
        print(
            f"pip-audit: {r.lock}: {r.packages} pins, {len(r.vulnerabilities)} known "
            f"vulnerabilities ({len(r.vulnerabilities) - len(open_)} ignored by "
            f"{_rel(AUDIT_IGNORE)}){skipped} [{r.service}]"
        )
        failed += len(open_)
    return 1 if failed else 0


# ---------------------------------------------------------------------------- secrets

# What detect-secrets has no plugin for: Google credentials, and PEM private keys in any
# form (its PrivateKeyDetector misses some headers). Each is tested in tests/infra.
EXTRA_PATTERNS = {
    "Google API Key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "Google OAuth Client Secret": re.compile(r"\bGOCSPX-[0-9A-Za-z_\-]{28}\b"),
    "Google OAuth Access Token": re.compile(r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    "GCP Service Account Key": re.compile(r'"private_key_id"\s*:\s*"([0-9a-f]{40})"'),
    "Private Key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
}


# Inline `pragma: allowlist secret` comments are not honoured: every exception is in FINDINGS.
INLINE_ALLOWLIST = "detect_secrets.filters.allowlist.is_line_allowlisted"


@dataclass(frozen=True)
class SecretFinding:
    file: str
    type: str
    hashed_secret: str  # SHA-1 of the secret, as detect-secrets reports it
    line: int

    def key(self) -> tuple[str, str, str]:
        return (self.file, self.type, self.hashed_secret)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.type} (sha1 {self.hashed_secret})"


def repository_files(root: Path = ROOT) -> list[str]:
    """Files git tracks or would add (untracked but not ignored), that exist."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return sorted({f for f in out.split("\0") if f and (root / f).is_file()})


def scan_patterns(root: Path, files: list[str]) -> list[SecretFinding]:
    findings = []
    for name in files:
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files: detect-secrets skips them too
        for number, line in enumerate(text.splitlines(), 1):
            for kind, pattern in EXTRA_PATTERNS.items():
                for match in pattern.finditer(line):
                    secret = match.group(match.lastindex or 0)
                    digest = hashlib.sha1(secret.encode()).hexdigest()
                    findings.append(SecretFinding(name, kind, digest, number))
    return findings


def scan_detect_secrets(root: Path, files: list[str]) -> list[SecretFinding]:
    binary = _tool("detect-secrets")
    if binary is None:
        raise RuntimeError("detect-secrets not installed (bc-detect-secrets, in the infra venv)")
    if not files:
        return []
    proc = subprocess.run(
        [binary, "scan", "--disable-filter", INLINE_ALLOWLIST, *files],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        report = json.loads(proc.stdout)
    except ValueError as exc:
        raise RuntimeError(f"detect-secrets gave no JSON (exit {proc.returncode}): "
                           f"{proc.stderr[-1000:]}") from exc  # fmt: skip
    return [
        SecretFinding(name, item["type"], item["hashed_secret"], item["line_number"])
        for name, items in report.get("results", {}).items()
        for item in items
    ]


def justified_findings(path: Path | None = None) -> dict[tuple[str, str, str], str]:
    """(file, type, sha1) -> justification, from the secret-scan table of the findings file.

    Rows: `| file | type | sha1 of the secret | why |` (backticks optional); a row
    without a justification is an error.
    """
    path = path or FINDINGS
    allowed = {}
    if not path.exists():
        return allowed
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        cells = [c.strip().strip("`").strip() for c in raw.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"[0-9a-f]{40}", cells[2]):
            continue
        if not cells[3]:
            raise ValueError(f"{path}:{number}: secret-scan finding without a justification")
        allowed[(cells[0], cells[1], cells[2])] = cells[3]
    return allowed


def run_secrets(root: Path = ROOT) -> int:
    # The findings file holds SHA-1 digests (which look like keys to some plugins), no secrets.
    files = [f for f in repository_files(root) if (root / f).resolve() != FINDINGS.resolve()]
    findings = scan_detect_secrets(root, files) + scan_patterns(root, files)
    allowed = justified_findings()
    open_ = [f for f in findings if f.key() not in allowed]
    for finding in open_:
        print(f"secrets: FOUND {finding}")
    stale = set(allowed) - {f.key() for f in findings}
    for file, kind, digest in sorted(stale):
        print(f"secrets: note: justified finding no longer present: {file} {kind} {digest}")
    print(
        f"secrets: {len(files)} files scanned (detect-secrets + {len(EXTRA_PATTERNS)} patterns), "
        f"{len(findings)} findings, {len(findings) - len(open_)} justified in "
        f"{_rel(FINDINGS)}, {len(open_)} unexplained"
    )
    return 1 if open_ else 0


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "all"
    if what not in ("all", "audit", "secrets"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        codes = [run_audit() if what in ("all", "audit") else 0]
        codes.append(run_secrets() if what in ("all", "secrets") else 0)
    except (RuntimeError, ValueError, subprocess.CalledProcessError) as exc:
        print(f"security scan: {exc}", file=sys.stderr)
        return 2
    return max(codes)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
