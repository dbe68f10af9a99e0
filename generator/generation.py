"""`generate`: simulate the years, render the requested days' extracts, write them.

The simulation always covers whole years (those of the environment's processing
start through its feed's last day), so a file's bytes depend only on the
parameters (years, time zone, SLA targets, scale, seed, defect rate), never on
which range of days is written. Each year draws from streams of its own, so a
first year's files are the same whether one year or several are simulated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator import defects, model, render, writer
from generator import vocabulary as V
from generator.business_days import BusinessDays
from generator.feed import Feed, duplicates, last_changes

GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class GenerationSummary:
    days: int  # files written (or found, when skipped)
    rows: int  # CSV records, header excluded
    bytes: int
    defective_rows: int
    seconds: float
    skipped: bool  # True: the manifest matched and every file was already there
    defects_by_kind: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Extracts:
    """The extracts in memory: rows in file order and their text."""

    simulation: model.Simulation
    feed: Feed  # every row of the year, sorted in file order
    first_day: int  # index of the first rendered day
    last_day: int  # index of the last rendered day (inclusive)
    row_bounds: np.ndarray  # rows of rendered day i: row_bounds[i]..row_bounds[i+1] (in `feed`)
    lines: object  # pyarrow large_string array, one CSV record (with its LF) per rendered row

    def day_rows(self, day: int) -> slice:
        i = day - self.first_day
        return slice(int(self.row_bounds[i]), int(self.row_bounds[i + 1]))

    def file_bytes(self, day: int):
        """The chunks of one file: header, then its records (zero-copy slices)."""
        rows = self.day_rows(day)
        base = int(self.row_bounds[0])
        offsets_buf, data = self.lines.buffers()[1:3]
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[self.lines.offset :]
        lo, hi = int(offsets[rows.start - base]), int(offsets[rows.stop - base])
        return [V.HEADER.encode("utf-8"), memoryview(data)[lo:hi]]


def simulated_years(settings) -> BusinessDays:
    """The whole years the feed simulates: from the processing start's to the feed's end's."""
    if settings.simulation is None:
        raise ValueError(f"environment {settings.name!r} has no [simulation]: it generates no data")
    first, last = settings.processing.start.year, settings.simulation.end.year
    return BusinessDays.of_years(first, last - first + 1, settings.time_zone)


def parameters(settings, scale: float, seed: int) -> dict:
    sim = settings.simulation
    span = simulated_years(settings)
    return {
        "generator_version": GENERATOR_VERSION,
        "year": span.year,
        "years": len(span.years),
        "time_zone": settings.time_zone,
        "resolution_hours": {p: float(h) for p, h in sorted(settings.sla.resolution_hours.items())},
        "scale": float(scale),
        "seed": int(seed),
        "defect_rate": float(sim.defect_rate),
    }


def build(
    settings, scale: float, seed: int, first: dt.date | None = None, last: dt.date | None = None
) -> Extracts:
    """Simulate the years and render the rows of days first..last (default: all)."""
    timeline = simulated_years(settings)
    targets = [settings.sla.resolution_hours[p] for p in V.PRIORITIES]
    simulation = model.simulate(timeline, scale, seed, targets)
    feed = _feed(simulation, seed, settings.simulation.defect_rate)
    events, tickets = simulation.events, simulation.tickets

    first_day = timeline.index(first) if first else 0
    last_day = timeline.index(last) if last else timeline.days - 1
    bounds = np.searchsorted(feed.day, np.arange(first_day, last_day + 2)).astype(np.int64)
    part = feed.take(np.arange(bounds[0], bounds[-1]))
    cols = render.columns(
        part, events, tickets, len(simulation.desk.agent_team), len(simulation.desk.customer_tier)
    )
    cols, width = defects.corrupt(cols, part, events, tickets, timeline)
    lines = render.lines(cols, width)
    return Extracts(simulation, feed, first_day, last_day, bounds, lines)


def _feed(simulation: model.Simulation, seed: int, defect_rate: float) -> Feed:
    """Every row of every file, in file order: each year's rows, its duplicates and its
    defects drawn from that year's own streams."""
    events, timeline = simulation.events, simulation.timeline
    base = last_changes(events)
    year_of_row = timeline.year_of(base.day)
    parts = []
    for k, year in enumerate(timeline.years):
        r_dup, r_defect = model.streams(seed, model.STREAMS + 2, k)[model.STREAMS :]
        own = base.take(np.flatnonzero(year_of_row == year))
        dups = duplicates(own, events, r_dup)
        marked, extras = defects.inject(own, len(dups), defect_rate, r_defect)
        parts.append(marked.concat(dups).concat(extras))
    feed = parts[0]
    for part in parts[1:]:
        feed = feed.concat(part)
    return feed.sorted()


def generate(
    settings,
    landing: Path,
    *,
    scale: float | None = None,
    seed: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationSummary:
    """Write the daily extracts of days start..end (default: the whole year) under `landing`.

    Returns quickly with skipped=True when `<landing>/tickets/_manifest.json` already
    lists every requested file for the same parameters and each file has its size.
    """
    began = time.perf_counter()
    sim = settings.simulation
    scale = sim.scale if scale is None else float(scale)
    seed = sim.seed if seed is None else int(seed)
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    span = simulated_years(settings)
    span_first, span_last = span.dates[0], span.dates[-1]
    start = start or span_first
    end = end or span_last
    if not span_first <= start <= end <= span_last:
        raise ValueError(
            f"start..end ({start}..{end}) must be a range within {span_first}..{span_last}"
        )
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]

    root = Path(landing) / writer.DATASET
    params = parameters(settings, scale, seed)
    manifest = writer.read_manifest(root)
    found = writer.reusable(root, manifest, params, days)
    if found is not None:
        return _summary(found, time.perf_counter() - began, skipped=True)

    extracts = build(settings, scale, seed, start, end)
    timeline = extracts.simulation.timeline
    same = writer.matches(manifest, params)
    kept = dict(manifest["files"]) if same else {}
    (root / writer.MANIFEST).unlink(missing_ok=True)  # never describes a half-rewritten landing
    if manifest and not same:
        _remove_stale(root, manifest, {writer.relative_path(d) for d in days})

    entries = []
    for done, day in enumerate(days, start=1):
        index = timeline.index(day)
        relative = writer.relative_path(day)
        size, digest = writer.write_atomic(root / relative, extracts.file_bytes(index))
        rows = extracts.feed.defect[extracts.day_rows(index)]
        found_kinds = np.bincount(rows[rows >= 0], minlength=len(defects.KINDS))
        entry = {
            "date": day.isoformat(),
            "size": size,
            "sha256": digest,
            "rows": len(rows),
            "defective_rows": int((rows >= 0).sum()),
            "defects": {k: int(c) for k, c in zip(defects.KINDS, found_kinds, strict=True) if c},
        }
        kept[relative] = entry
        entries.append(entry)
        if progress is not None:
            progress(done, len(days))

    kept = {path: e for path, e in kept.items() if (root / path).is_file()}
    writer.write_manifest(
        root,
        {
            **params,
            "dataset": writer.DATASET,
            "columns": list(V.COLUMNS),
            "files": dict(sorted(kept.items())),
        },
    )
    return _summary(entries, time.perf_counter() - began, skipped=False)


def _remove_stale(root: Path, manifest: dict, keep: set[str]) -> None:
    """Delete files a manifest for other parameters listed (they would mix two datasets)."""
    for relative in sorted(manifest["files"]):
        if relative in keep or "/" not in relative or ".." in relative:
            continue
        path = root / relative
        if path.is_file() and path.name.startswith("tickets_") and path.suffix == ".csv":
            path.unlink()
            with contextlib.suppress(OSError):  # only when empty
                path.parent.rmdir()


def _summary(entries: list[dict], seconds: float, *, skipped: bool) -> GenerationSummary:
    kinds = dict.fromkeys(defects.KINDS, 0)
    for entry in entries:
        for kind, count in entry.get("defects", {}).items():
            kinds[kind] = kinds.get(kind, 0) + count
    return GenerationSummary(
        days=len(entries),
        rows=sum(e["rows"] for e in entries),
        bytes=sum(e["size"] for e in entries),
        defective_rows=sum(e["defective_rows"] for e in entries),
        seconds=round(seconds, 3),
        skipped=skipped,
        defects_by_kind=tuple(kinds.items()),
    )
