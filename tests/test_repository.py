"""The repository explains itself: the README's tables match the tree and the Makefile,
nothing tracked points outside the repository, and the pre-commit hooks run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.config import REPO_ROOT

README = REPO_ROOT / "README.md"
MAKEFILES = (REPO_ROOT / "Makefile", REPO_ROOT / "infra" / "infra.mk")


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [line for line in out.stdout.splitlines() if (REPO_ROOT / line).is_file()]


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def first_cells(section: str) -> list[str]:
    """The first cell of every body row of the section's tables (not headers or rules)."""
    lines = section.splitlines()
    rule = re.compile(r"^\|[-:| ]+\|$")
    cells = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.startswith("|") and not rule.match(line) and not rule.match(following):
            cells.append(line.split("|")[1].strip())
    return cells


def test_every_top_level_room_is_in_the_layout_table():
    rooms = {
        path.split("/")[0]
        for path in tracked_files()
        if not path.startswith(".") and ("/" in path or path.endswith(".py"))
    }
    listed = {cell.strip("`").rstrip("/") for cell in first_cells(readme_section("Layout"))}
    assert rooms - listed == set(), "rooms missing from the README's Layout table"
    assert listed - rooms == set(), "the Layout table lists paths that are not in the tree"


def documented_targets() -> set[str]:
    """Targets with a `## ` description: what `make help` lists."""
    pattern = re.compile(r"^([a-z][a-z-]*):.*## ", re.M)
    return {name for path in MAKEFILES for name in pattern.findall(path.read_text())}


def test_every_make_target_appears_once_in_the_targets_table():
    cells = first_cells(readme_section("Make targets"))
    named = [re.match(r"`make ([a-z][a-z-]*)", cell) for cell in cells]
    assert None not in named, f"rows not naming one target: {cells}"
    names = [match.group(1) for match in named]
    assert sorted(set(names)) == sorted(names), "a target has more than one row"
    assert set(names) == documented_targets()


def test_readme_is_a_guide_not_a_notebook():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 270
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings[:5] == [
        "Quick start",
        "What it is: what runs where",
        "Layout",
        "The tables, and how to query them",
        "Make targets",
    ]


def test_relative_links_in_markdown_resolve():
    broken = []
    for name in tracked_files():
        if not name.endswith(".md"):
            continue
        path = REPO_ROOT / name
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text("utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            if not (path.parent / target).exists():
                broken.append(f"{name}: {target}")
    assert broken == []


# The spec this project started from lived in a sibling folder that is not shipped;
# docs/ says it in its own words. The pattern is assembled from its parts so that this
# file, which is scanned like every other, does not match itself.
_SPEC_FOLDER, _SPEC = "sha" + "red", "DES" + "IGN"
_OUTSIDE = re.compile(rf"\.\./{_SPEC_FOLDER}\b|{_SPEC_FOLDER}/{_SPEC}|{_SPEC} §|{_SPEC}\.md")


def test_nothing_tracked_points_outside_the_repository():
    found = [
        name
        for name in tracked_files()
        if _OUTSIDE.search((REPO_ROOT / name).read_text("utf-8", errors="replace"))
    ]
    assert found == []


def test_the_outside_pattern_finds_what_it_names():
    spec_path = f"{_SPEC_FOLDER}/{_SPEC}.md"
    for reference in (f"see ../{spec_path}", f"cf. {spec_path}", f"{_SPEC} § 4"):
        assert _OUTSIDE.search(reference), reference
    assert not _OUTSIDE.search("docs/design.md and a shared cache")


# --- pre-commit ----------------------------------------------------------------------------

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


@pytest.fixture
def hook_repo(tmp_path):
    """A scratch git repository with this project's hook config and .venv, for pre-commit."""
    if not PRE_COMMIT.exists() or shutil.which("git") is None:
        pytest.skip("pre-commit or git not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / ".pre-commit-config.yaml", repo)
    shutil.copy(REPO_ROOT / "pyproject.toml", repo)  # ruff's settings
    (repo / ".venv").symlink_to(Path(sys.executable).parent.parent)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)

    def run(hook: str, files: dict[str, str]) -> subprocess.CompletedProcess:
        for name, text in files.items():
            (repo / name).write_text(text)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        return subprocess.run(
            [str(PRE_COMMIT), "run", hook, "--all-files"],
            cwd=repo, capture_output=True, text=True, env=env,
        )  # fmt: skip

    return run


def test_pre_commit_config_is_valid():
    proc = subprocess.run(
        [str(PRE_COMMIT), "validate-config", str(REPO_ROOT / ".pre-commit-config.yaml")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_commit_ruff_hooks_fail_on_bad_code_and_pass_on_good(hook_repo):
    bad = hook_repo("ruff-check", {"module.py": "import os\n"})
    assert bad.returncode == 1 and "F401" in bad.stdout, bad.stdout + bad.stderr
    unformatted = hook_repo("ruff-format", {"module.py": "x = {  'a':1 }\n"})
    assert unformatted.returncode == 1 and "module.py" in unformatted.stdout
    good = {"module.py": 'x = {"a": 1}\n'}
    assert hook_repo("ruff-check", good).returncode == 0
    assert hook_repo("ruff-format", good).returncode == 0
