"""Environment folders for tests and tools: env/<template> with some lines changed."""

from __future__ import annotations

from pathlib import Path

from jobs import config
from jobs.config import Settings


def write_env(env_dir: Path, name: str, template: str, changes: dict[str, str]) -> Settings:
    """Write env_dir/<name>/config.toml from env/<template>, replacing each line of
    `changes` (every one must be found), and load it."""
    text = (config.ENV_DIR / template / "config.toml").read_text(encoding="utf-8")
    for old, new in {f'name = "{template}"': f'name = "{name}"', **changes}.items():
        assert old in text, old
        text = text.replace(old, new)
    (env_dir / name).mkdir(parents=True, exist_ok=True)
    (env_dir / name / "config.toml").write_text(text, encoding="utf-8")
    return config.load(name, env_dir=env_dir)
