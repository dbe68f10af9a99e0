"""How the backfill grows with the data: Jan-Oct at SCALE 0.5, 1, 2, 4 and 8, each in a
cold process beside the plain DuckDB-SQL recomputation of the same KPIs (the oracle),
whose tables the backfill's must match, with the peak memory of the Python driver and
of the JVM apart, and the exponents of time and memory ~ SCALE^k fitted over the points
(time k <= 1.1: no worse than linear; the Python driver's peak flat, since no table
passes through it)."""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass

import duckdb

from bench.process_tree import Peaks
from bench.runs import Bench, Figure, JobFailed, timed, verdict

SCALES = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class Point:
    scale: float
    seconds: float | None  # None: the backfill failed
    baseline: float
    rows: int
    peak: Peaks | None
    problem: str = ""
    differences: tuple[str, ...] = ()  # from the oracle's tables


def exponent(xs: list[float], ys: list[float]) -> float:
    """The least-squares slope of log(y) over log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def scale_series(bench: Bench, scales: tuple[float, ...] = SCALES) -> list[Figure]:
    from tests.oracle import recompute
    from tests.oracle.compare import differences

    settings = bench.settings
    first, last = settings.processing.start, settings.simulation.backfill_to
    points = []
    for scale in scales:
        folder = bench.work / f"scale-{scale:g}"
        landing, warehouse = folder / "landing", folder / "w.duckdb"
        bench.job("data", "--scale", str(scale), landing=landing, warehouse=warehouse,
                  module="workstation")  # fmt: skip
        baseline, expected = timed(lambda: recompute(landing, first, last, settings))  # noqa: B023
        try:
            seconds, peak = bench.job("backfill", landing=landing, warehouse=warehouse,
                                      timeout=3600)  # fmt: skip
        except JobFailed as exc:
            points.append(Point(scale, None, baseline, 0, None, str(exc)))
        else:
            with duckdb.connect(str(warehouse), read_only=True) as con:
                [(rows,)] = con.execute("SELECT count(*) FROM tickets_raw").fetchall()
            found = tuple(differences(warehouse, expected))
            points.append(Point(scale, seconds, baseline, rows, peak, differences=found))
        shutil.rmtree(folder)  # SCALE 4 is half a gigabyte of CSV
    return _figures(points)


def _figures(points: list[Point]) -> list[Figure]:
    figures = []
    for p in points:
        what = f"backfill Jan-Oct at SCALE {p.scale:g} (cold process)"
        if p.seconds is None:
            figures.append((what, "failed", p.problem))
            continue
        figures.append(
            (
                what,
                f"{p.seconds:.1f} s",
                f"{p.seconds / p.baseline:.1f} x baseline ({p.baseline:.1f} s); "
                f"{p.rows / p.seconds:,.0f} rows/s; peak {p.peak.tree} MB "
                f"(Python driver {p.peak.python} MB, JVM {p.peak.descendants} MB); "
                f"{verdict(p.differences)}",
            )
        )
    done = [p for p in points if p.seconds is not None]
    if len(done) >= 2:
        scales = [p.scale for p in done]
        k = exponent(scales, [p.seconds for p in done])
        k_base = exponent(scales, [p.baseline for p in done])
        k_peak = exponent(scales, [p.peak.tree for p in done])
        k_python = exponent(scales, [p.peak.python for p in done])
        figures.append(
            (
                "  growth exponent: time ~ SCALE^k",
                f"{k:.2f}",
                f"target <= 1.1; baseline {k_base:.2f}",
            )
        )
        figures.append(("  growth exponent: peak memory ~ SCALE^k", f"{k_peak:.2f}", ""))
        first, last = done[0].peak.python, done[-1].peak.python
        figures.append(
            (
                "  growth exponent: Python driver's peak ~ SCALE^k",
                f"{k_python:.2f}",
                f"{first} MB at SCALE {done[0].scale:g}, {last} MB at SCALE {done[-1].scale:g}; "
                "target: within 25 % from SCALE 1 to 8, at most 700 MB",
            )
        )
    return figures
