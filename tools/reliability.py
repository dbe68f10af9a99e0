"""`make reliability`: the full crash sweep, the concurrency checks and the bad-input
gauntlet, with one table of figures at the end.

    python -m tools.reliability [--only duckdb|bigquery] [--skip-gauntlet] [--out DIR]

It generates a world of its own (enough days for the sweep), starts the BigQuery
and Cloud Storage emulators (rehearsal/emulators.py), and runs, per warehouse:
the full kill sweep of tests/reliability/harness.py (each kill point in a child
process whose whole process group dies, then the next normal run, then a
checksum per table against a clean run), then 8 concurrent ticks for the same
pending day. Every result is also written as a JSON line to DIR/results.jsonl.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from jobs import config
from tests.reliability import harness

PROJECT = "test-project"
START = dt.date(2025, 1, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.reliability", description=__doc__)
    parser.add_argument("--only", choices=["duckdb", "bigquery"])
    parser.add_argument("--skip-gauntlet", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the small sweep of make test")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="reliability-"))
    out.mkdir(parents=True, exist_ok=True)
    log = Log(out / "results.jsonl")
    kinds = [args.only] if args.only else ["duckdb", "bigquery"]
    sweeps = {k: (harness.quick_sweep(k) if args.quick else harness.full_sweep(k)) for k in kinds}
    end = START + dt.timedelta(days=max(harness.days_needed(s) for s in sweeps.values()) + 2)
    began = time.monotonic()

    env_dir, landing = out / "env", out / "landing"
    harness.make_env(env_dir, "rel", "local", START, end, {})
    harness.make_env(
        env_dir,
        "cloud",
        "dev",
        START,
        end,
        {'project = "ops-tickets-dev"': f'project = "{PROJECT}"'},
    )
    from generator import generate

    generate(config.load("rel", env_dir=env_dir), landing, start=START, end=end)
    log.note(f"world: {START}..{end} in {out}")

    from jobs import spark as jobs_spark

    spark = jobs_spark.session(config.load("rel", env_dir=env_dir))
    reference = harness.Reference(
        harness.Target.build(
            "reference", harness.duckdb_spec(env_dir, "rel", landing, out / "ref.duckdb"), spark
        ).ctx
    )
    sweep_results: dict[str, list[harness.Result]] = {}
    concurrency: dict[str, list[harness.Concurrency]] = {k: [] for k in kinds}

    def run_kind(kind: str, target: harness.Target) -> None:
        sweep_results[kind] = harness.sweep(target, reference, sweeps[kind], START, log.result)
        make = lambda: harness.child.context_for(target.spec, spark)  # noqa: E731
        checks = {"threads": lambda: harness.concurrent_threads(kind, make, reference, START)}
        if kind == "duckdb":  # the function's local runner and N JVMs: DuckDB only
            checks["function"] = lambda: _function_ticks(target, env_dir, landing, out, reference)
            checks["processes"] = lambda: harness.concurrent_processes(
                kind, target, reference, START
            )
        for how, check in checks.items():
            try:
                result = check()
            except Exception as exc:
                result = harness.Concurrency(kind, how, 8, 0, False, f"{type(exc).__name__}: {exc}")
            concurrency[kind].append(result)
            log.concurrency(result)

    emulators_cm = None
    threads = []
    try:
        targets = {}
        if "duckdb" in kinds:
            spec = harness.duckdb_spec(env_dir, "rel", landing, out / "duckdb.duckdb")
            targets["duckdb"] = harness.Target.build("duckdb", spec, spark)
        if "bigquery" in kinds:
            from rehearsal import emulators
            from tests.cloud.conftest import fresh_cloud_settings

            emulators_cm = emulators.running(out / "emulators", PROJECT)
            running = emulators_cm.__enter__()
            os.environ.update(running.environment())
            gcp = fresh_cloud_settings(env_dir).gcp
            spec = harness.bigquery_spec(env_dir, "cloud", landing, gcp, running.storage_root)
            targets["bigquery"] = harness.Target.build("bigquery", spec, spark)
        for kind, target in targets.items():
            thread = threading.Thread(target=run_kind, args=(kind, target))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
    finally:
        if emulators_cm is not None:
            emulators_cm.__exit__(None, None, None)

    gauntlet = None if args.skip_gauntlet else _gauntlet(log)
    print(table(sweep_results, concurrency, gauntlet, time.monotonic() - began))
    converged = all(r.converged for rs in sweep_results.values() for r in rs)
    clean = all(c.clean for cs in concurrency.values() for c in cs)
    return 0 if converged and clean and (gauntlet is None or gauntlet[1] == 0) else 1


def _function_ticks(target, env_dir, landing, out, reference) -> harness.Concurrency:
    """8 ticks through the trigger function, with only the pending day landed."""
    day = harness.last_succeeded(target.ctx.warehouse) + harness.ONE_DAY
    private = harness.landing_through(landing, out / "landing-function", day)
    env = {
        "TICKETS_ENV_DIR": str(env_dir),
        "TICKETS_ENV": "rel",
        "TICKETS_LANDING": str(private),
        "TICKETS_WAREHOUSE": target.spec["warehouse"]["path"],
    }
    return harness.concurrent_function("duckdb", env, target.ctx.warehouse, reference, START)


def _gauntlet(log: Log) -> tuple[int, int] | None:
    """Run the gauntlet module (another file's tests) and count its cases."""
    path = config.REPO_ROOT / "tests" / "reliability" / "test_gauntlet.py"
    if not path.exists():
        return None
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=config.REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(config.REPO_ROOT)},
    )
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", tail)) else 0
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|error)", tail))
    log.note(f"gauntlet: {tail}")
    return passed, failed


class Log:
    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()

    def _write(self, record: dict, line: str) -> None:
        with self.lock:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, default=str) + "\n")
            print(line, flush=True)

    def result(self, r: harness.Result) -> None:
        verdict = "converged" if r.converged else ("NOT REACHED" if not r.reached else "DIVERGED")
        self._write(
            {"type": "kill", **dataclasses.asdict(r)},
            f"{r.warehouse:8} {r.item!s:45} {verdict:10} {r.seconds:5.1f} s {r.detail}",
        )

    def concurrency(self, c: harness.Concurrency) -> None:
        self._write(
            {"type": "concurrency", **dataclasses.asdict(c)},
            f"{c.warehouse:8} {c.ticks} concurrent ticks ({c.how}): {c.commits} commit(s), "
            f"{'clean' if c.clean else 'NOT CLEAN'} {c.detail}",
        )

    def note(self, text: str) -> None:
        self._write({"type": "note", "text": text}, text)


def table(sweeps, concurrency, gauntlet, seconds: float) -> str:
    rows = [("", *sweeps)]
    figures = {k: harness.summary(v) for k, v in sweeps.items()}
    rows.append(
        (
            "kill points tried / converged",
            *(f"{f['kill_points']} / {f['kill_converged']}" for f in figures.values()),
        )
    )
    rows.append(
        (
            "failing commit statements / converged",
            *(f"{f['fail_points']} / {f['fail_converged']}" for f in figures.values()),
        )
    )
    rows.append(
        ("processes left alive after a kill", *(str(f["survivors"]) for f in figures.values()))
    )
    for how in ("threads", "function", "processes"):
        cells = []
        for kind in sweeps:
            found = [c for c in concurrency.get(kind, []) if c.how == how]
            cells.append(
                f"{found[0].ticks} / {found[0].commits}{'' if found[0].clean else ' (!)'}"
                if found
                else "-"
            )
        rows.append((f"concurrent ticks / commits ({how})", *cells))
    if gauntlet is not None:
        rows.append(
            (
                "defect cases passed / failed",
                f"{gauntlet[0]} / {gauntlet[1]}",
                *[""] * (len(sweeps) - 1),
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"({seconds / 60:.1f} min)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
