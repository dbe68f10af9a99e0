"""CSV files and the manifest on disk: atomic writes, reuse check.

Layout under the landing folder:

    tickets/dt=YYYY-MM-DD/tickets_YYYY-MM-DD.csv
    tickets/_manifest.json

Each file is written to a temporary name in its folder and renamed into place,
so an interrupted run never leaves a half file under the final name; the
manifest is written last, so it only ever lists complete files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

MANIFEST = "_manifest.json"
DATASET = "tickets"


def relative_path(day: dt.date) -> str:
    return f"dt={day.isoformat()}/tickets_{day.isoformat()}.csv"


def write_atomic(path: Path, chunks) -> tuple[int, str]:
    """Write the byte chunks to `path` via a temp file + rename. Returns (size, sha256)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(temp, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def read_manifest(root: Path) -> dict | None:
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    return manifest


def write_manifest(root: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(root / MANIFEST, [text.encode("utf-8")])


def matches(manifest: dict | None, parameters: dict) -> bool:
    """The manifest was written for exactly these parameters."""
    return manifest is not None and all(manifest.get(k) == v for k, v in parameters.items())


def reusable(root: Path, manifest: dict | None, parameters: dict, days) -> list[dict] | None:
    """The manifest entries for `days` if every file exists with its listed size, else None."""
    if not matches(manifest, parameters):
        return None
    entries = []
    for day in days:
        entry = manifest["files"].get(relative_path(day))
        if entry is None:
            return None
        try:
            if (root / relative_path(day)).stat().st_size != entry["size"]:
                return None
        except OSError:
            return None
        entries.append(entry)
    return entries
