"""Which environments get a stack: every env/<name>/ whose platform is "gcp".

Light on purpose (no cdktn import), so the Makefile can ask cheaply:
`python -m infra.envs dev` prints `dev`; `python -m infra.envs local` (the
Makefile's default ENV) or `all` prints every cloud environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jobs import config


class InfraError(RuntimeError):
    """The requested environments cannot be synthesized."""


def cloud_environments(env_dir: Path = config.ENV_DIR) -> list[str]:
    """Environments with platform = "gcp", in name order."""
    return [
        path.parent.name
        for path in sorted(env_dir.glob("*/config.toml"))
        if config.load(path.parent.name, env_dir).platform == "gcp"
    ]


def resolve_envs(requested: list[str] | None, env_dir: Path = config.ENV_DIR) -> list[str]:
    """`None`, `all` or a non-cloud env (the Makefile's default `local`) mean every cloud env."""
    available = cloud_environments(env_dir)
    if not requested or requested in (["all"], ["local"]):
        if not available:
            raise InfraError(f'no environment under {env_dir} has platform = "gcp"')
        return available
    for env in requested:
        if env not in available:
            settings = config.load(env, env_dir)  # raises ConfigError for unknown envs
            raise InfraError(
                f"environment {env!r} has platform {settings.platform!r}: it is not deployed"
            )
    return requested


def main(argv: list[str]) -> int:
    try:
        print(" ".join(resolve_envs(argv or None)))
    except (InfraError, config.ConfigError) as exc:
        print(f"infra: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
