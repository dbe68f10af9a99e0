"""Environment folders for tests and tools: env/<template> with some lines changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jobs import config
from jobs.config import Settings


def window(
    template: str,
    start: dt.date,
    end: dt.date,
    backfill_to: dt.date,
    scale: float,
    defect_rate: float,
) -> dict[str, str]:
    """The `write_env` changes that start env/<template>'s processing window at `start` and,
    where the template simulates a feed, make the feed end at `end` with this scale and
    defect rate. A template of a real environment has no end: only `start` applies."""
    changes = {'start = "2025-01-01"': f'start = "{start}"'}
    if "[simulation]" in (config.ENV_DIR / template / "config.toml").read_text(encoding="utf-8"):
        changes |= {
            'end = "2025-12-31"': f'end = "{end}"',
            'backfill_to = "2025-10-31"': f'backfill_to = "{backfill_to}"',
            "scale = 1.0": f"scale = {scale}",
            "defect_rate = 0.005": f"defect_rate = {defect_rate}",
        }
    return changes


def write_env(
    env_dir: Path,
    name: str,
    template: str,
    changes: dict[str, str],
    drop_section: str | None = None,
) -> Settings:
    """Write env_dir/<name>/config.toml from env/<template>, replacing each line of
    `changes` (every one must be found) and leaving out the table `drop_section` (with
    the comment above it), and load it."""
    text = (config.ENV_DIR / template / "config.toml").read_text(encoding="utf-8")
    for old, new in {f'name = "{template}"': f'name = "{name}"', **changes}.items():
        assert old in text, old
        text = text.replace(old, new)
    if drop_section:
        text = _without_section(text, drop_section)
    (env_dir / name).mkdir(parents=True, exist_ok=True)
    (env_dir / name / "config.toml").write_text(text, encoding="utf-8")
    return config.load(name, env_dir=env_dir)


def _without_section(text: str, section: str) -> str:
    lines = text.splitlines(keepends=True)
    start = lines.index(f"[{section}]\n")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    return "".join(lines[:start] + lines[end:])
