"""Run Terraform on a synthesized stack: plan, deploy, destroy, bootstrap.

    python -m infra.terraform plan --env dev        # after infra/main.py has synthesized it
    python -m infra.terraform deploy --env dev [--auto-approve]
    python -m infra.terraform destroy --env prod --confirm prod
    python -m infra.terraform bootstrap --env dev

`plan` runs `terraform init` + `plan` with the stack's GCS backend. Without a
terraform binary or without Google credentials it says so in one line and
prints the offline summary instead (infra/plan_summary.py): the stack's
resources by type and the changes against the merge base, exit 0, so CI on a
fork can post it. With credentials, a failing `init` or `plan` fails the
command: a pull request whose plan cannot run must not look green.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra import plan_summary
from infra.naming import EnvNames
from jobs import config

ROOT = Path(__file__).resolve().parent.parent
OUTDIR = ROOT / "infra" / "cdktf.out"
BOOTSTRAP_STATE = ROOT / "infra" / ".bootstrap-state"
ADC = Path.home() / ".config" / "gcloud" / "application_default_credentials.json"


class TerraformError(RuntimeError):
    pass


def credentials() -> str | None:
    """Where Google credentials would come from, or None when there are none."""
    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path and Path(path).is_file():
        return f"GOOGLE_APPLICATION_CREDENTIALS ({path})"
    for variable in ("GOOGLE_OAUTH_ACCESS_TOKEN", "GOOGLE_CREDENTIALS"):
        if os.environ.get(variable):
            return variable
    config_dir = os.environ.get("CLOUDSDK_CONFIG")
    adc = Path(config_dir) / "application_default_credentials.json" if config_dir else ADC
    if adc.is_file():
        return f"gcloud application default credentials ({adc})"
    return None


def stack_dir(name: str, outdir: Path = OUTDIR) -> Path:
    path = outdir / "stacks" / name
    if not (path / "cdk.tf.json").is_file():
        raise TerraformError(f"{path}/cdk.tf.json not found: synthesize first (make synth ENV=...)")
    return path


def terraform(workdir: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    binary = shutil.which("terraform")
    if binary is None:
        raise TerraformError(
            "terraform is not on PATH (https://developer.hashicorp.com/terraform/install)"
        )
    env = {**os.environ, "TF_IN_AUTOMATION": "1"}
    return subprocess.run(
        [binary, f"-chdir={workdir}", *args],
        env=env,
        text=True,
        capture_output=capture,
        check=False,
    )


def _first_error(proc: subprocess.CompletedProcess) -> str:
    text = (proc.stderr or "") + (proc.stdout or "")
    for line in text.splitlines():
        line = line.strip(" │╷╵")
        if line.startswith("Error:"):
            return line
    return (text.strip().splitlines() or ["terraform init failed"])[-1]


def init(workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    return terraform(workdir, "init", "-input=false", "-no-color", *extra, capture=True)


# --- commands -------------------------------------------------------------------------------
def plan(names: EnvNames, outdir: Path, base: str | None) -> int:
    workdir = stack_dir(names.stack, outdir)
    reason = None
    if shutil.which("terraform") is None:
        reason = "terraform is not on PATH"
    elif credentials() is None:
        reason = "no Google credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud ADC)"
    else:
        proc = init(workdir)
        if proc.returncode != 0:
            raise TerraformError(
                f"terraform init failed with credentials present: {_first_error(proc)} "
                "(is the state bucket there, and may this identity read it?)"
            )
    if reason:
        print(
            f"plan: {names.stack}: cannot run terraform plan here ({reason}); "
            "offline summary follows."
        )
        cache = outdir / ".base"
        for line in plan_summary.offline_report(
            workdir / "cdk.tf.json", names.env, names.stack, cache, base
        ):
            print(line)
        return 0
    proc = terraform(
        workdir, "plan", "-input=false", "-no-color", "-lock=false", "-out=plan.tfplan"
    )
    return proc.returncode


def deploy(names: EnvNames, outdir: Path, auto_approve: bool) -> int:
    workdir = stack_dir(names.stack, outdir)
    _require_credentials()
    proc = init(workdir)
    if proc.returncode != 0:
        raise TerraformError(
            f"terraform init failed: {_first_error(proc)} (did you run make bootstrap?)"
        )
    args = ["apply", "-input=false"] + (["-auto-approve"] if auto_approve else [])
    return terraform(workdir, *args).returncode


def destroy(names: EnvNames, outdir: Path, confirm: str | None, auto_approve: bool) -> int:
    protected = names.gcp.deletion_protection or names.env == "prod"
    if protected and confirm != names.env:
        raise TerraformError(
            f"refusing to destroy {names.env!r}: it is protected (deletion_protection = true). "
            f"Run again with CONFIRM={names.env} if you really mean it."
        )
    workdir = stack_dir(names.stack, outdir)
    _require_credentials()
    proc = init(workdir)
    if proc.returncode != 0:
        raise TerraformError(f"terraform init failed: {_first_error(proc)}")
    args = ["destroy", "-input=false"] + (["-auto-approve"] if auto_approve else [])
    return terraform(workdir, *args).returncode


def bootstrap(names: EnvNames, outdir: Path, auto_approve: bool) -> int:
    """Apply the bootstrap stack; the first time, with local state moved into the new bucket."""
    _require_credentials()
    approve = ["-auto-approve"] if auto_approve else []
    local_state = BOOTSTRAP_STATE / f"{names.env}.tfstate"
    if not local_state.is_file():
        workdir = stack_dir(names.bootstrap_stack, outdir)
        if init(workdir).returncode == 0:  # the state bucket exists: a normal apply
            return terraform(workdir, "apply", "-input=false", *approve).returncode
        print(
            f"bootstrap: state bucket {names.gcp.state_bucket} not reachable yet: "
            "creating it with local state first"
        )
    BOOTSTRAP_STATE.mkdir(parents=True, exist_ok=True)
    _synth_bootstrap(names, outdir, local=True)
    workdir = stack_dir(names.bootstrap_stack, outdir)
    proc = init(workdir, "-reconfigure")
    if proc.returncode != 0:
        raise TerraformError(f"terraform init failed: {_first_error(proc)}")
    code = terraform(workdir, "apply", "-input=false", *approve).returncode
    if code != 0:
        return code
    _synth_bootstrap(names, outdir, local=False)
    proc = init(workdir, "-migrate-state", "-force-copy")
    if proc.returncode != 0:
        raise TerraformError(
            f"moving the bootstrap state into the bucket failed: {_first_error(proc)}; "
            f"the local state is kept in {local_state}"
        )
    local_state.unlink()
    print(
        f"bootstrap: state of {names.bootstrap_stack} now lives in gs://{names.gcp.state_bucket}/"
        f"{names.bootstrap_state_prefix}"
    )
    return 0


def _synth_bootstrap(names: EnvNames, outdir: Path, *, local: bool) -> None:
    args = [
        sys.executable,
        str(ROOT / "infra" / "main.py"),
        "--env",
        names.env,
        "--outdir",
        str(outdir),
        "--quiet",
    ]
    if local:
        args.append("--bootstrap-local-state")
    subprocess.run(args, check=True, cwd=ROOT)


def _require_credentials() -> None:
    if credentials() is None:
        raise TerraformError(
            "no Google credentials: run `gcloud auth application-default login` "
            "or set GOOGLE_APPLICATION_CREDENTIALS"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Terraform on the synthesized stacks.")
    parser.add_argument("command", choices=["plan", "deploy", "destroy", "bootstrap"])
    parser.add_argument("--env", required=True)
    parser.add_argument("--outdir", type=Path, default=OUTDIR)
    parser.add_argument(
        "--base",
        default=os.environ.get("PLAN_BASE") or None,
        help="plan: base revision to diff against",
    )
    parser.add_argument("--confirm", default=None, help="destroy: the env name, for protected envs")
    parser.add_argument("--auto-approve", action="store_true")
    args = parser.parse_args(argv)
    try:
        settings = config.load(args.env)
        if settings.platform != "gcp":
            raise TerraformError(
                f"environment {args.env!r} is not deployed (platform = {settings.platform!r})"
            )
        names = EnvNames(settings)
        if args.command == "plan":
            return plan(names, args.outdir, args.base)
        if args.command == "deploy":
            return deploy(names, args.outdir, args.auto_approve)
        if args.command == "destroy":
            return destroy(names, args.outdir, args.confirm, args.auto_approve)
        return bootstrap(names, args.outdir, args.auto_approve)
    except (TerraformError, config.ConfigError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
