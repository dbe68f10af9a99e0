"""Static security checks: checkov over synthesized stacks, actionlint over the workflows.

    python -m infra.security [STACK_DIR_OR_FILE ...]   # default: every stack in infra/cdktf.out

checkov scans the synthesized Terraform JSON offline (`--framework
terraform_json`). The only checks skipped are the ones listed, each with its
reason, in infra/checkov-skips.txt; any other finding fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPS_FILE = ROOT / "infra" / "checkov-skips.txt"
OUTDIR = ROOT / "infra" / "cdktf.out"
WORKFLOWS = ROOT / ".github" / "workflows"


@dataclass(frozen=True)
class Finding:
    check_id: str
    name: str
    resource: str
    file: str

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} ({Path(self.file).parent.name}): {self.name}"


def skipped_checks(path: Path = SKIPS_FILE) -> dict[str, str]:
    """check id -> reason; a line without a reason is an error."""
    skips = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"(CKV2?_[A-Z]+_\d+)\s+#\s*(\S.*)", line)
        if not match:
            raise ValueError(f"{path}:{number}: expected 'CKV_..._N  # reason', got {raw!r}")
        skips[match.group(1)] = match.group(2)
    return skips


def checkov_bin() -> str:
    local = Path(sys.executable).parent / "checkov"
    return str(local) if local.exists() else (shutil.which("checkov") or "checkov")


def run_checkov(targets: list[Path]) -> tuple[list[Finding], int]:
    """Failed checks and the number of passed ones, over stack folders or cdk.tf.json files."""
    args = [
        checkov_bin(),
        "--framework",
        "terraform_json",
        "--quiet",
        "--compact",
        "-o",
        "json",
        "--skip-download",
        "--skip-check",
        ",".join(skipped_checks()),
    ]
    for target in targets:  # files, not folders: several -d give several JSON documents
        args += ["-f", str(target / "cdk.tf.json" if target.is_dir() else target)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError as exc:
        raise RuntimeError(
            f"checkov gave no JSON report (exit {proc.returncode}): {proc.stderr[-2000:]}"
        ) from exc
    reports = report if isinstance(report, list) else [report]
    findings, passed = [], 0
    for rep in reports:
        summary = rep.get("summary", {})
        if summary.get("parsing_errors"):
            raise RuntimeError(
                f"checkov could not parse: {rep.get('results', {}).get('parsing_errors')}"
            )
        passed += summary.get("passed", 0)
        for failed in rep.get("results", {}).get("failed_checks", []):
            findings.append(
                Finding(
                    failed["check_id"],
                    failed["check_name"],
                    failed["resource"],
                    failed["file_path"],
                )
            )
    if not reports or (passed == 0 and not findings):
        raise RuntimeError("checkov scanned nothing: are the stacks synthesized?")
    return findings, passed


def run_actionlint(folder: Path = WORKFLOWS) -> int:
    binary = Path(sys.executable).parent / "actionlint"
    binary = str(binary) if binary.exists() else shutil.which("actionlint")
    if binary is None:
        print("lint: actionlint not found (it is installed in the infra venv)", file=sys.stderr)
        return 1
    files = sorted(str(p) for p in folder.glob("*.y*ml"))
    if not files:
        print(f"lint: no workflows under {folder}", file=sys.stderr)
        return 1
    proc = subprocess.run([binary, "-pyflakes=", *files], check=False)  # shellcheck when on PATH
    if proc.returncode == 0:
        print(f"actionlint: {len(files)} workflow(s) OK")
    return proc.returncode


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or sorted(
        p for p in (OUTDIR / "stacks").glob("*") if p.is_dir()
    )
    if not targets:
        print(f"checkov: nothing to scan under {OUTDIR}: run make synth first", file=sys.stderr)
        return 1
    findings, passed = run_checkov(targets)
    for finding in findings:
        print(f"checkov: FAILED {finding}")
    skips = skipped_checks()
    print(
        f"checkov: {len(targets)} stack(s), {passed} passed, {len(findings)} failed, "
        f"{len(skips)} check(s) skipped by {SKIPS_FILE.relative_to(ROOT)}"
    )
    code = 1 if findings else 0
    return code or run_actionlint()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
