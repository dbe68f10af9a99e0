"""Fault-injection harness: kill a run anywhere, run again, compare with a clean run.

A sweep walks a list of (mode, point) items over one warehouse, as a chain:
each item starts the run in a child process of its own session
(tests/reliability/child.py) with `TICKETS_KILL_AT=<point>`, so the kill takes
the child's whole process group, Spark's JVM included (jobs/faults.py). Then
the next normal run of the same kind completes in this process, and the
warehouse's tables (a SHA-256 per table over its rows without run columns)
must equal those of a clean DuckDB run that processed the same days one at a
time. A daily item processes the next pending day, a backfill item the next
two, a replay item redoes the day before the last one; so one warehouse serves
the whole sweep and a world of N days holds about N daily items.

`fail:commit:<n>` items make commit statement n fail inside the warehouse
instead (`TICKETS_FAIL_AT`), in this process: in BigQuery the commit is one
server-side script, so a failing statement is what tests its atomicity.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from jobs import config, pipeline, state
from jobs.warehouse import STAGED_TABLES
from jobs.warehouse.statements import commit_statements
from tests.e2e.tables import DATA_TABLES, warehouse_rows
from tests.envs import window, write_env
from tests.reliability import child

ONE_DAY = dt.timedelta(days=1)
CHILD_TIMEOUT_S = 600
# The failing statement is named in this process's environment (jobs/faults.py), and the
# function's check sets its settings there too, while two sweeps share the process in
# threads (tools/reliability.py). So every run in this process, every change to its
# environment and every copy of it for a child holds this lock; the outermost holder
# may run its own threads under it.
FAIL_AT = "TICKETS_FAIL_AT"
_IN_PROCESS = threading.RLock()

# Kill points by phase, in the order a run reaches them: a call across a seam that has
# returned (jobs/faults.py), or a point inside a commit (jobs/warehouse/).
READING = [
    "warehouse.state",  # the next day is planned
    "landing.exists",
    "landing.fetch",  # the extract is inspected
    "warehouse.start_attempts",
    "staging.sweep",
]
TRANSFORMING = [
    "staging.layer:checked",  # after the Spark read of the extract and validation
    "staging.layer:versions",
    "staging.layer:touched",
    "warehouse.write_prior_state",
    "staging.read:prior",
    "staging.layer:timeline",
    "staging.write:tables/tickets_raw",  # the executors are writing the run's tables
    "staging.write:tables/fact_tickets",
    "staging.write:tables/features_daily",
    "staging.write:tables/channel_daily",  # the last: every table is written
    "staging.read:tables/daily_ops_metrics",  # the day's figures
    "staging.read:tables/fact_tickets",  # the commit's bounds: the commit is next
]
AROUND_COMMIT = ["warehouse.commit", "staging.remove"]
DUCKDB_COMMIT = ["commit:staged", *(f"commit:{n}" for n in range(15)), "commit:committed"]
BIGQUERY_STAGING = [
    "stage:uploaded:ingestion_state",  # the one table this process uploads
    *(f"stage:loaded:{name}" for name in STAGED_TABLES),
    "stage:done",
    "commit:script_ready",
    "commit:script_done",
]


@dataclasses.dataclass(frozen=True)
class Item:
    mode: str  # daily, replay, backfill
    point: str  # a kill point, or fail:commit:<n>

    @property
    def kind(self) -> str:
        return "fail" if self.point.startswith("fail:") else "kill"

    def __str__(self) -> str:
        return f"{self.mode}@{self.point}"


@dataclasses.dataclass
class Result:
    warehouse: str
    item: Item
    reached: bool = False  # the run died (or failed) at the point
    converged: bool = False  # and the next run ended in the clean run's tables
    survivors: bool = False  # processes of the killed run still alive after it died
    seconds: float = 0.0
    detail: str = ""


def commit_points(kind: str, mode: str) -> list[str]:
    """The kill points inside a commit: statement by statement in DuckDB, the
    staging and the script in BigQuery."""
    if kind == "bigquery":
        return BIGQUERY_STAGING
    count = len(commit_statements(str, replaces=mode == "replay"))
    return ["commit:staged", *(f"commit:{n}" for n in range(count)), "commit:committed"]


def full_sweep(kind: str) -> list[Item]:
    """About 36 kill points per warehouse: every phase of a daily run, the commit
    statement by statement (DuckDB) or table by table of the staging (BigQuery), and
    a spread over a replay and backfills; then three failing commit statements."""
    commit = commit_points(kind, "daily")
    if kind == "duckdb":
        inside = [commit[0], *commit[1:-1:3], commit[-2], commit[-1]]
    else:
        tables = ("tickets_raw", "fact_tickets", "daily_ops_metrics", "ingestion_state")
        inside = ["stage:uploaded:ingestion_state", *(f"stage:loaded:{t}" for t in tables)]
        inside += ["stage:done", "commit:script_ready", "commit:script_done"]
    daily = [*READING, *TRANSFORMING, *inside, *AROUND_COMMIT]
    if kind == "bigquery":  # inside start_attempts, between its insert and its check
        daily.insert(daily.index("warehouse.start_attempts"), "attempts:inserted")
    replay_commit = commit_points(kind, "replay")
    replay = ["warehouse.state", "warehouse.write_versioned_tickets", "warehouse.write_state_as_of",
              "staging.write:tables/channel_daily"]  # fmt: skip
    replay += [replay_commit[len(replay_commit) // 2], "warehouse.commit"]
    backfill = ["warehouse.start_attempts", "staging.layer:timeline",
                "staging.read:tables/fact_tickets"]  # fmt: skip
    backfill += [commit_points(kind, "backfill")[len(commit) // 2]]
    statements = len(commit_statements(str, replaces=False))
    return [
        *(Item("backfill", p) for p in backfill[:2]),
        *(Item("daily", p) for p in daily),
        *(Item("replay", p) for p in replay),
        *(Item("backfill", p) for p in backfill[2:]),
        *(Item("daily", f"fail:commit:{n}") for n in (0, statements // 2, statements - 1)),
    ]


def quick_sweep(kind: str) -> list[Item]:
    """Four points, one per phase, for `make test` (failing statements: test_convergence)."""
    inside = "commit:7" if kind == "duckdb" else "stage:loaded:fact_tickets"
    return [
        Item("backfill", "staging.layer:timeline"),
        Item("daily", "landing.fetch"),
        Item("daily", inside),
        Item("replay", "warehouse.commit" if kind == "duckdb" else "commit:script_done"),
    ]


def days_needed(items: Iterable[Item]) -> int:
    """Days of extracts a chain over `items` consumes (two are loaded before it starts)."""
    return 2 + sum({"daily": 1, "backfill": 2}.get(i.mode, 0) for i in items)


# -- comparing tables ----------------------------------------------------------


def checksums(warehouse) -> dict[str, str]:
    """SHA-256 of each data table's rows, without run columns, in a stable order."""
    return {
        name: hashlib.sha256(repr(warehouse_rows(warehouse, name)).encode()).hexdigest()[:16]
        for name in DATA_TABLES
    }


def last_succeeded(warehouse) -> dt.date | None:
    days = state.succeeded_days(warehouse.state())
    return max(days) if days else None


def state_problems(warehouse, first: dt.date, last: dt.date) -> list[str]:
    """Every day first..last succeeded exactly once outside replays, and none after."""
    problems = []
    rows = warehouse.state().to_pylist()
    for i in range((last - first).days + 1):
        day = first + i * ONE_DAY
        ok = [r for r in rows if r["business_date"] == day and r["status"] == "succeeded"]
        if len([r for r in ok if r["mode"] != "replay"]) != 1:
            problems.append(f"{day}: {len(ok)} succeeded attempt(s)")
    later = [r for r in rows if r["business_date"] > last and r["status"] == "succeeded"]
    if later:
        problems.append(
            f"days after {last} succeeded: {sorted({r['business_date'] for r in later})}"
        )
    return problems


class Reference:
    """A clean DuckDB warehouse, advanced one daily run at a time as a sweep needs."""

    def __init__(self, ctx: pipeline.Context):
        self.ctx = ctx
        self.cache: dict[dt.date, dict[str, str]] = {}
        self.lock = threading.Lock()

    def at(self, day: dt.date) -> dict[str, str]:
        with _IN_PROCESS, self.lock:
            return self._at(day)

    def _at(self, day: dt.date) -> dict[str, str]:
        if day not in self.cache:
            done = last_succeeded(self.ctx.warehouse)
            if done is not None and done > day:
                raise ValueError(f"the reference is past {day}")
            while done is None or done < day:
                outcome = pipeline.daily(self.ctx, max_days=1)
                assert outcome.ok and outcome.committed, outcome
                done = outcome.committed[-1]
            self.cache[day] = checksums(self.ctx.warehouse)
        return self.cache[day]


# -- the warehouse under test ----------------------------------------------------


@dataclasses.dataclass
class Target:
    """A warehouse a sweep runs against, reachable from this process and from children."""

    name: str  # duckdb / bigquery
    spec: dict  # the child's spec without the run (see child.py)
    ctx: pipeline.Context  # for recovery runs, in this process

    @classmethod
    def build(cls, name: str, spec: dict, spark) -> Target:
        return cls(name, spec, child.context_for(spec, spark))


def duckdb_spec(env_dir: Path, env: str, landing: Path, path: Path) -> dict:
    return {
        "env_dir": str(env_dir),
        "env": env,
        "landing": str(landing),
        "warehouse": {"kind": "duckdb", "path": str(path)},
    }


def bigquery_spec(env_dir: Path, env: str, landing: Path, gcp, storage_root: Path) -> dict:
    """A BigQuery run's spec; `storage_root` is where the storage emulator keeps objects,
    which the run's Spark mounts as gs:// for its staging (child.py)."""
    return {
        "env_dir": str(env_dir),
        "env": env,
        "landing": str(landing),
        "warehouse": {
            "kind": "bigquery",
            "dataset": gcp.dataset,
            "landing_bucket": gcp.landing_bucket,
            "staging_bucket": gcp.staging_bucket,
            "storage_root": str(storage_root),
        },
    }


def run_child(spec: dict, extra_env: dict[str, str] | None = None) -> tuple[int, str, bool]:
    """Run the child in a new session; returns (exit code, output, survivors).

    After the child is gone, whatever is left of its process group is killed: a
    survivor would be a JVM the kill point did not take with it.
    """
    # A killed JVM runs no shutdown hook, so the scratch folders of Spark and its
    # libraries (spark-*, blockmgr-*, artifacts-*, liblz4-java-*) would be left in
    # /tmp, dozens per sweep: each child gets a folder of its own, removed after it.
    with tempfile.TemporaryDirectory(prefix="tickets-child-") as scratch:
        tool_options = f"{os.environ.get('JAVA_TOOL_OPTIONS', '')} -Djava.io.tmpdir={scratch}"
        with _IN_PROCESS:
            inherited = dict(os.environ)
        env = {
            **inherited,
            "PYTHONPATH": str(config.REPO_ROOT),
            "SPARK_LOCAL_DIRS": scratch,
            "JAVA_TOOL_OPTIONS": tool_options.strip(),
            **(extra_env or {}),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.child", json.dumps(spec)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=config.REPO_ROOT,
        )
        try:
            output, _ = proc.communicate(timeout=CHILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            output, _ = proc.communicate()
        survivors = bool(_alive_in_group(proc.pid))
        if survivors:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
    return proc.returncode, output.decode(errors="replace"), survivors


def _alive_in_group(pgid: int, wait_s: float = 3.0) -> list[int]:
    """Processes of the group that are still running (zombies waiting for init to reap
    them are dead already), after giving a dying group a moment."""
    deadline = time.monotonic() + wait_s
    while True:
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                alive.append(int(stat.parent.name))
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def prepare(target: Target, start: dt.date) -> None:
    """Two days loaded, so that a replay has a day with history before it."""
    if last_succeeded(target.ctx.warehouse) is None:
        with _IN_PROCESS:
            assert pipeline.backfill(target.ctx, start, start + ONE_DAY).ok


def sweep(
    target: Target,
    reference: Reference,
    items: Iterable[Item],
    start: dt.date,
    report: Callable[[Result], None] | None = None,
) -> list[Result]:
    prepare(target, start)
    results = []
    for item in items:
        result = _one(target, reference, item, start)
        results.append(result)
        if report:
            report(result)
    return results


def _one(target: Target, reference: Reference, item: Item, start: dt.date) -> Result:
    began = time.monotonic()
    result = Result(target.name, item)
    ctx = target.ctx
    cursor = last_succeeded(ctx.warehouse)
    run: dict = {"mode": item.mode}
    if item.mode == "daily":
        day = cursor + ONE_DAY
        run["day"] = day.isoformat()
        expected_last = day

        def recover():
            return pipeline.daily(ctx, max_days=1, only=day)
    elif item.mode == "replay":
        day = cursor - ONE_DAY
        run["day"] = day.isoformat()
        expected_last = cursor

        def recover():
            return pipeline.replay(ctx, day)
    else:
        first, last = cursor + ONE_DAY, cursor + 2 * ONE_DAY
        run.update(first=first.isoformat(), last=last.isoformat())
        expected_last = last

        def recover():
            return pipeline.backfill(ctx, first, last)

    try:
        if item.kind == "kill":
            code, output, result.survivors = run_child(
                {**target.spec, **run}, {"TICKETS_KILL_AT": item.point}
            )
            result.reached = code == -9
            if not result.reached:
                result.detail = f"child exited {code}: {output[-500:]}"
        else:
            with _IN_PROCESS:
                os.environ[FAIL_AT] = item.point.removeprefix("fail:")
                try:
                    failed = child.run(ctx, run)
                finally:
                    del os.environ[FAIL_AT]
            result.reached = bool(failed.failed) and "injected failure" in failed.failed[1]
            if not result.reached:
                result.detail = f"no injected failure: {failed}"
        with _IN_PROCESS:
            outcome = recover()
        if not outcome.ok:
            result.detail += f" recovery failed: {outcome.failed}"
            return result
        problems = state_problems(ctx.warehouse, start, expected_last)
        expected = reference.at(expected_last)
        actual = checksums(ctx.warehouse)
        differing = [name for name in expected if actual.get(name) != expected[name]]
        if differing:
            problems.append(f"tables differ from the clean run: {', '.join(differing)}")
        result.converged = result.reached and not problems and not result.survivors
        result.detail += "; ".join(problems)
    except Exception as exc:  # a harness error counts as not converged, and says why
        result.detail += f" {type(exc).__name__}: {exc}"
    finally:
        result.seconds = time.monotonic() - began
    return result


def summary(results: list[Result]) -> dict[str, int]:
    kills = [r for r in results if r.item.kind == "kill"]
    fails = [r for r in results if r.item.kind == "fail"]
    return {
        "kill_points": len(kills),
        "kill_reached": sum(r.reached for r in kills),
        "kill_converged": sum(r.converged for r in kills),
        "fail_points": len(fails),
        "fail_converged": sum(r.converged for r in fails),
        "survivors": sum(r.survivors for r in results),
    }


# -- concurrent triggers -----------------------------------------------------------


@dataclasses.dataclass
class Concurrency:
    warehouse: str
    how: str  # threads / processes / function
    ticks: int
    commits: int
    clean: bool  # everyone returned cleanly, one succeeded attempt, tables as the clean run
    detail: str = ""


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; returns results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(i: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # reported, not raised: a tick must not crash
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def check_one_commit(
    name: str, how: str, warehouse, reference: Reference, start: dt.date, day: dt.date, commits: int
) -> Concurrency:
    problems = state_problems(warehouse, start, day)
    expected, actual = reference.at(day), checksums(warehouse)
    differing = [t for t in expected if actual.get(t) != expected[t]]
    if differing:
        problems.append(f"tables differ from the clean run: {', '.join(differing)}")
    if commits != 1:
        problems.append(f"{commits} commits")
    return Concurrency(name, how, 0, commits, not problems, "; ".join(problems))


def concurrent_threads(
    name: str, make_ctx: Callable[[], pipeline.Context], reference, start, ticks: int = 8
) -> Concurrency:
    """`ticks` threads call the job for the same pending day, each with its own context."""
    contexts = [make_ctx() for _ in range(ticks)]
    day = last_succeeded(contexts[0].warehouse) + ONE_DAY
    with _IN_PROCESS:
        outcomes = at_once([lambda c=c: pipeline.daily(c, max_days=1, only=day) for c in contexts])
    errors = [o for o in outcomes if isinstance(o, Exception) or not o.ok]
    commits = sum(len(o.committed) for o in outcomes if not isinstance(o, Exception))
    result = check_one_commit(
        name, "threads", contexts[0].warehouse, reference, start, day, commits
    )
    result.ticks = ticks
    if errors:
        result.clean = False
        result.detail += f" {len(errors)} tick(s) did not return cleanly: {errors[0]}"
    return result


def concurrent_processes(
    name: str, target: Target, reference, start, ticks: int = 8
) -> Concurrency:
    """`ticks` child processes (one Spark each) for the same pending day."""
    day = last_succeeded(target.ctx.warehouse) + ONE_DAY
    spec = {**target.spec, "mode": "daily", "day": day.isoformat()}
    runs = at_once([lambda: run_child(spec) for _ in range(ticks)])
    outputs = [r for r in runs if not isinstance(r, Exception)]
    commits = 0
    bad = []
    for code, output, _ in outputs:
        line = [t for t in output.splitlines() if t.startswith("{")]
        if code != 0 or not line:
            bad.append(output[-300:])
            continue
        commits += len(json.loads(line[-1])["committed"])
    result = check_one_commit(
        name, "processes", target.ctx.warehouse, reference, start, day, commits
    )
    result.ticks = ticks
    if bad or len(outputs) != ticks:
        result.clean = False
        result.detail += f" {len(bad)} process(es) did not return cleanly: {bad[:1]}"
    return result


def concurrent_function(
    name: str, env: dict[str, str], warehouse, reference, start, ticks: int = 8
) -> Concurrency:
    """`ticks` HTTP ticks at once through the trigger function (functions-framework
    test client), with only the pending day landed."""
    from functions_framework import create_app

    with _IN_PROCESS:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            app = create_app("tick", str(config.REPO_ROOT / "functions" / "main.py"))
            day = last_succeeded(warehouse) + ONE_DAY
            headers = {"User-Agent": "Google-Cloud-Scheduler", "Authorization": "Bearer test"}
            tick = lambda: app.test_client().post("/", data=b"", headers=headers)  # noqa: E731
            replies = at_once([tick] * ticks)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    statuses = [
        r if isinstance(r, Exception) else (r.status_code, r.get_json().get("status"))
        for r in replies
    ]
    commits = sum(1 for s in statuses if s == (200, "processed"))
    result = check_one_commit(name, "function", warehouse, reference, start, day, commits)
    result.ticks = ticks
    unclean = [s for s in statuses if not isinstance(s, tuple) or s[0] != 200]
    if unclean:
        result.clean = False
        result.detail += f" unclean replies: {unclean}"
    return result


def landing_through(source: Path, target: Path, last: dt.date) -> Path:
    """A copy of the landing folder holding the days up to `last` only."""
    for folder in sorted((source / "tickets").glob("dt=*")):
        if dt.date.fromisoformat(folder.name.removeprefix("dt=")) <= last:
            shutil.copytree(folder, target / "tickets" / folder.name, dirs_exist_ok=True)
    return target


# -- a world of its own (tools/reliability.py) ----------------------------------------


def make_env(
    env_dir: Path, name: str, base: str, start: dt.date, end: dt.date, extra: dict[str, str]
) -> None:
    """An environment folder `name`, from env/<base> over start..end."""
    changes = window(base, start, end, start + ONE_DAY, scale=0.03, defect_rate=0.04)
    write_env(env_dir, name, base, {**changes, **extra})
