"""Offline plan: a synthesized stack's resources by type, and its changes since a base revision.

Used by `make plan` when Terraform cannot run against Google Cloud (no
credentials, or no access to the provider registry): it reads only the
synthesized `cdk.tf.json` of this tree and of the base revision, so it works
anywhere. The base is synthesized from `git archive <rev>` in a temporary
folder — the working tree is never touched — and cached per commit.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_PATHS = 8  # changed attributes listed per resource


# --- reading stacks -------------------------------------------------------------------------
def resources(stack: dict) -> dict[str, dict]:
    """`type.name` -> configuration (without cdktn's `//` metadata)."""
    found = {}
    for block in ("resource", "data"):
        for rtype, items in stack.get(block, {}).items():
            for name, conf in items.items():
                prefix = "data." if block == "data" else ""
                found[f"{prefix}{rtype}.{name}"] = {k: v for k, v in conf.items() if k != "//"}
    return found


def outputs(stack: dict) -> dict[str, object]:
    return {k: v.get("value") for k, v in stack.get("output", {}).items()}


def by_type(stack: dict) -> Counter:
    return Counter(address.rsplit(".", 1)[0] for address in resources(stack))


# --- diffing --------------------------------------------------------------------------------
def _maybe_json(value):
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _keyed(items: list):
    """Lists of named objects (schema fields) compare by name, not position."""
    if items and all(isinstance(i, dict) and "name" in i for i in items):
        names = [i["name"] for i in items]
        if len(set(names)) == len(names):
            return {f"[{n}]": i for n, i in zip(names, items, strict=True)}
    return None


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if str(key).startswith("["):
        return f"{path}{key}"
    return f"{path}.{key}" if path else str(key)


def changed_paths(old, new, path: str = "") -> list[str]:
    """Attribute paths whose values differ, `+`/`-` marking ones only on one side."""
    old, new = _maybe_json(old), _maybe_json(new)
    if old == new:
        return []
    if isinstance(old, list) and isinstance(new, list):
        ko, kn = _keyed(old), _keyed(new)
        if ko is not None and kn is not None:
            old, new = ko, kn
        elif len(old) == len(new):
            old, new = dict(enumerate(old)), dict(enumerate(new))
    if isinstance(old, dict) and isinstance(new, dict):
        result = []
        for key in sorted(set(old) | set(new), key=str):
            sub = _join(path, key)
            if key not in old:
                result.append(f"+{sub}")
            elif key not in new:
                result.append(f"-{sub}")
            else:
                result.extend(changed_paths(old[key], new[key], sub))
        return result
    return [path or "(value)"]


@dataclass
class StackDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    outputs_changed: list[str] = field(default_factory=list)
    settings_changed: list[str] = field(default_factory=list)  # provider / backend

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.outputs_changed
            or self.settings_changed
        )


def diff(base: dict, head: dict) -> StackDiff:
    old, new = resources(base), resources(head)
    result = StackDiff(
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
    )
    for address in sorted(set(old) & set(new)):
        paths = changed_paths(old[address], new[address])
        if paths:
            result.changed[address] = paths
    oo, no = outputs(base), outputs(head)
    result.outputs_changed = [
        ("+" if k not in oo else "-" if k not in no else "~") + k
        for k in sorted(set(oo) | set(no))
        if oo.get(k) != no.get(k)
    ]
    for block in ("provider", "terraform"):
        result.settings_changed.extend(
            changed_paths(base.get(block, {}), head.get(block, {}), block)
        )
    return result


# --- rendering ------------------------------------------------------------------------------
def render_summary(stack: dict, name: str) -> list[str]:
    counts = by_type(stack)
    lines = [f"Stack {name}: {sum(counts.values())} resources, {len(outputs(stack))} outputs"]
    width = max((len(t) for t in counts), default=0)
    for rtype, count in sorted(counts.items()):
        lines.append(f"  {rtype:<{width}}  {count:>3}")
    return lines


def render_diff(result: StackDiff, base_label: str) -> list[str]:
    if result.empty:
        return [f"No changes against {base_label}: the plan would be empty."]
    lines = [
        f"Changes against {base_label}: {len(result.added)} to add, "
        f"{len(result.changed)} to change, {len(result.removed)} to remove"
    ]
    lines += [f"+ {a}" for a in result.added]
    lines += [f"- {r}" for r in result.removed]
    for address, paths in result.changed.items():
        shown = ", ".join(paths[:MAX_PATHS]) + (
            f", ... (+{len(paths) - MAX_PATHS})" if len(paths) > MAX_PATHS else ""
        )
        lines.append(f"~ {address}: {shown}")
    if result.outputs_changed:
        lines.append("~ outputs: " + ", ".join(result.outputs_changed))
    if result.settings_changed:
        lines.append("~ settings: " + ", ".join(result.settings_changed[:MAX_PATHS]))
    return lines


# --- the base revision ----------------------------------------------------------------------
def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def base_revision(requested: str | None = None) -> tuple[str, str] | None:
    """(commit, label): `requested`, else the merge base with origin/main, else HEAD."""
    candidates = []
    if requested:
        candidates.append((requested, requested))
    else:
        for remote in ("origin/main", "origin/master"):
            merge_base = _git("merge-base", "HEAD", remote)
            if merge_base:
                candidates.append((merge_base, f"merge base with {remote}"))
        candidates.append(("HEAD", "HEAD"))
    for rev, label in candidates:
        commit = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if commit:
            return commit, f"{label} ({commit[:10]})"
    return None


def synth_base(commit: str, env: str, stack_name: str, cache: Path) -> tuple[dict | None, str]:
    """The base revision's synthesized stack (cached per commit), or None and why."""
    target = cache / commit / "out" / "stacks" / stack_name / "cdk.tf.json"
    if target.is_file():
        return json.loads(target.read_text(encoding="utf-8")), "cached"
    with tempfile.TemporaryDirectory(prefix="infra-base-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=False
        )
        if archive.returncode != 0:
            return None, f"git archive {commit[:10]} failed"
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tree, filter="data")
        if not (tree / "infra" / "main.py").is_file():
            return {}, "the base has no infra/ yet: every resource is new"
        out = Path(tmp) / "out"
        env_vars = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
        proc = subprocess.run(
            [
                sys.executable,
                str(tree / "infra" / "main.py"),
                "--env",
                env,
                "--outdir",
                str(out),
                "--dist",
                str(Path(tmp) / "dist"),
                "--quiet",
            ],
            cwd=tree,
            env=env_vars,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        produced = out / "stacks" / stack_name / "cdk.tf.json"
        if proc.returncode != 0 or not produced.is_file():
            reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"could not synthesize the base: {reason}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, target)
        return json.loads(produced.read_text(encoding="utf-8")), "synthesized"


def offline_report(
    stack_file: Path, env: str, stack_name: str, cache: Path, base: str | None = None
) -> list[str]:
    head = json.loads(stack_file.read_text(encoding="utf-8"))
    lines = render_summary(head, stack_name)
    lines.append("")
    revision = base_revision(base)
    if revision is None:
        lines.append("No git history to compare with: showing the stack only.")
        return lines
    commit, label = revision
    base_stack, how = synth_base(commit, env, stack_name, cache)
    if base_stack is None:
        lines.append(f"Base {label}: {how}.")
        return lines
    if not base_stack:
        lines.append(f"Base {label}: {how} ({len(resources(head))} to add).")
        return lines
    lines += render_diff(diff(base_stack, head), label)
    return lines
