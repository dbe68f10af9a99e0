"""Synthesize the Terraform stacks: one per cloud environment in env/, plus its bootstrap stack.

    python infra/main.py                 # every environment whose platform is "gcp"
    python infra/main.py --env dev       # one environment (repeatable)

Writes infra/cdktf.out/stacks/<stack>/cdk.tf.json: `tickets-<env>` (the
environment) and `bootstrap-<env>` (state bucket and CI identity). The code
archives are packaged first (tools/package.py) into dist/<env>/, so the stack
always references the code of this tree. A new folder under env/ is a new
environment: nothing here names one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a script: import `infra.*` from the repo root, not infra/
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "infra"]
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from cdktn import App  # noqa: E402

from infra.bootstrap import BootstrapStack  # noqa: E402
from infra.envs import InfraError, resolve_envs  # noqa: E402
from infra.naming import EnvNames  # noqa: E402
from infra.stack import EnvStack  # noqa: E402
from jobs import config  # noqa: E402
from tools import package  # noqa: E402

DEFAULT_OUTDIR = ROOT / "infra" / "cdktf.out"


@dataclass(frozen=True)
class Synthesized:
    env: str
    stack: str
    bootstrap_stack: str
    outdir: Path

    def stack_file(self, bootstrap: bool = False) -> Path:
        name = self.bootstrap_stack if bootstrap else self.stack
        return self.outdir / "stacks" / name / "cdk.tf.json"


def build_app(
    envs: list[str],
    *,
    outdir: Path = DEFAULT_OUTDIR,
    dist: Path | None = None,
    env_dir: Path = config.ENV_DIR,
    bootstrap_local_state: bool = False,
    root: Path = ROOT,
) -> tuple[App, list[Synthesized]]:
    """The app with both stacks of each env; `root` is the tree whose code is packaged."""
    app = App(outdir=str(outdir), stack_traces=False)
    result = []
    for env in envs:
        names = EnvNames(config.load(env, env_dir))
        manifest = package.build(env, dist, root=root, env_dir=env_dir)
        EnvStack(app, names, manifest)
        BootstrapStack(app, names, local_state=bootstrap_local_state)
        result.append(Synthesized(env, names.stack, names.bootstrap_stack, outdir))
    return app, result


def synth(envs: list[str] | None = None, **kwargs) -> list[Synthesized]:
    env_dir = kwargs.get("env_dir", config.ENV_DIR)
    app, result = build_app(resolve_envs(envs, env_dir), **kwargs)
    app.synth()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Synthesize the CDK Terrain stacks.")
    parser.add_argument(
        "--env", action="append", help="environment (repeatable; default: all cloud envs)"
    )
    parser.add_argument(
        "--outdir", type=Path, default=Path(os.environ.get("CDKTF_OUTDIR", DEFAULT_OUTDIR))
    )
    parser.add_argument(
        "--dist", type=Path, default=None, help="where archives go (default: dist/)"
    )
    parser.add_argument("--env-dir", type=Path, default=config.ENV_DIR)
    parser.add_argument("--bootstrap-local-state", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        result = synth(
            args.env,
            outdir=args.outdir.resolve(),
            dist=args.dist,
            env_dir=args.env_dir.resolve(),
            bootstrap_local_state=args.bootstrap_local_state,
        )
    except (InfraError, config.ConfigError, package.PackagingError) as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        elapsed = time.perf_counter() - started
        for item in result:
            for bootstrap in (False, True):
                print(f"synth: {os.path.relpath(item.stack_file(bootstrap))}")
        print(f"synth: {len(result)} environment(s) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
