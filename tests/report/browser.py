"""Headless Chromium for the report tests: find it, dump a page's DOM, take a screenshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "install it with: bash tools/install_chromium.sh (as root), or set CHROMIUM"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=20000",  # let the charts' promises settle before dumping
)
CONSOLE = re.compile(r":CONSOLE[:(]\d+\)?\] (.*)")


def find_chromium() -> str | None:
    """$CHROMIUM, or Debian's chromium, or another Chromium on PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


@dataclass(frozen=True)
class Loaded:
    dom: str
    console: list[str]  # every console message and uncaught error the page produced


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def dump_dom(chromium: str, url: str, profile: Path) -> Loaded:
    done = _run(chromium, profile, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(
            f"chromium --dump-dom failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    return Loaded(dom=done.stdout, console=CONSOLE.findall(done.stderr))


def screenshot(chromium: str, url: str, png: Path, profile: Path, size: str = "1400,3000") -> Path:
    done = _run(chromium, profile, f"--screenshot={png}", f"--window-size={size}", url)
    if done.returncode != 0 or not png.is_file():
        raise AssertionError(
            f"chromium --screenshot failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    return png
