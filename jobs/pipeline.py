"""Runs: backfill a range, process the next pending day(s), replay processed days.

Every mode goes through `_process`, which reads the days' extracts, computes
all tables from the prior state with the pure transforms, and hands them to the
warehouse as one commit. Backfill differs from daily only in how many days one
commit covers.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from jobs import extract, failures, faults, graph, resources, staging, state
from jobs.config import Settings
from jobs.extract import UnreadableExtract
from jobs.landing import Landing
from jobs.progress import Progress
from jobs.schemas import table
from jobs.spark import SMALL_RUN_DAYS, reused, spark_schema, tune_for
from jobs.warehouse import (
    STAGED_TABLES,
    AlreadyCommitted,
    Attempt,
    Commit,
    DayFigures,
    Warehouse,
)

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What a run works with; built by the entry points (jobs/cli.py, the function).

    The Spark session is given, or `start_spark` starts it when a run first needs it:
    a run with nothing to do (up to date, range already loaded) then starts no JVM.
    """

    settings: Settings
    landing: Landing
    warehouse: Warehouse
    spark: SparkSession | None = None
    batch_id: str | None = None
    start_spark: Callable[[], SparkSession] | None = None

    def __post_init__(self) -> None:
        # Every call a run makes across these is a fault point (jobs/faults.py).
        self.landing = faults.seam("landing", self.landing, calls={"exists", "fetch"})
        self.warehouse = faults.seam("warehouse", self.warehouse)

    def session(self) -> SparkSession:
        if self.spark is None:
            if self.start_spark is None:
                raise ValueError("a Context needs a Spark session or a way to start one")
            self.spark = self.start_spark()
        return self.spark


def context_for(
    settings: Settings,
    start_spark: Callable[[], SparkSession],
    batch_id: str | None = None,
) -> Context:
    """A run's context on the environment's own landing and warehouse, its tables ensured."""
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return Context(
        settings=settings,
        landing=resources.landing_for(settings),
        warehouse=warehouse,
        batch_id=batch_id,
        start_spark=start_spark,
    )


@dataclass
class Outcome:
    """What a run did, for the caller to print or return."""

    mode: str
    run_id: str | None = None
    committed: list[dt.date] = field(default_factory=list)
    day_figures: list[DayFigures] = field(default_factory=list)
    failed: tuple[dt.date, str] | None = None
    waiting_for: dt.date | None = None
    skipped: str | None = None  # why nothing was done, when nothing was
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failed is None

    def line(self) -> str:
        """What the run did, in a line or two for the command line."""
        parts = []
        if self.committed:
            days = self.committed
            span = str(days[0]) if len(days) == 1 else f"{days[0]}..{days[-1]} ({len(days)} days)"
            rows_in = sum(f.rows_in for f in self.day_figures)
            rejected = sum(f.rows_rejected for f in self.day_figures)
            read = sum(f.rows_read for f in self.day_figures)
            parts.append(
                f"{self.mode}: committed {span}: {rows_in} rows in, {rejected} rejected, "
                f"{read} rows read, {self.seconds:.1f} s (run {self.run_id})"
            )
        if self.failed:
            day, error = self.failed
            parts.append(f"{self.mode}: FAILED {day}: {error}")
        if self.waiting_for:
            parts.append(
                f"{self.mode}: waiting for {self.waiting_for} (its extract has not arrived)"
            )
        if self.skipped and not self.committed:
            parts.append(f"{self.mode}: {self.skipped}")
        return "\n".join(parts) or f"{self.mode}: nothing to do"


class RunError(Exception):
    """A request that cannot be carried out (bad range, replay of an unprocessed day)."""


def daily(ctx: Context, max_days: int = 1, only: dt.date | None = None) -> Outcome:
    """Process pending days in order, each committed on its own, at most `max_days`.

    With `only`, process that day if it is the next pending one and nothing
    otherwise: a trigger that decided on a day never runs a different one.
    """
    outcome = Outcome(mode="daily")
    for _ in range(max_days):
        nxt = state.next_for(ctx.settings, ctx.warehouse.state())
        if nxt.up_to_date:
            outcome.skipped = outcome.skipped or "up to date"
            break
        if only is not None and nxt.day != only:
            outcome.skipped = f"{only} is not the next pending day (next: {nxt.day})"
            break
        if not ctx.landing.exists(nxt.day):
            outcome.waiting_for = nxt.day
            break
        step = _process(ctx, [nxt.day], "daily")
        _merge(outcome, step)
        if step.failed or step.skipped:
            break
    return outcome


def backfill(ctx: Context, first: dt.date, last: dt.date) -> Outcome:
    """Load first..last in one Spark job and one commit, starting at the next pending day.

    Days already loaded are skipped; a day missing from the landing stops the
    range before it (reported as waiting), and an unreadable file fails its day
    after the days before it commit.
    """
    if first > last:
        raise RunError(f"backfill range is empty: {first} is after {last}")
    nxt = state.next_for(ctx.settings, ctx.warehouse.state())
    if nxt.up_to_date or nxt.day > last:
        return Outcome(mode="backfill", skipped=f"{first}..{last} already loaded")
    if first > nxt.day:
        raise RunError(
            f"cannot start at {first}: days are loaded in order and {nxt.day} is next; "
            f"backfill from {nxt.day}"
        )
    days = state.days_between(nxt.day, last)
    present = []
    for day in days:
        if not ctx.landing.exists(day):
            break
        present.append(day)
    outcome = _process(ctx, present, "backfill") if present else Outcome(mode="backfill")
    if len(present) < len(days) and outcome.ok:
        outcome.waiting_for = days[len(present)]
    return outcome


def replay(ctx: Context, first: dt.date, only: bool = False) -> Outcome:
    """Recompute first through the last processed day in one commit (docs/design.md).

    The state before `first` comes from fact_tickets_history, so a replay reads what its
    days cost, not the history. `only` replays one day, which is allowed only for the
    last processed day: every later day was computed from its state.
    """
    try:
        first, last = state.replay_range(ctx.warehouse.state(), first, only)
    except state.ReplayRefused as exc:
        raise RunError(str(exc)) from None
    days = state.days_between(first, last)
    missing = [day for day in days if not ctx.landing.exists(day)]
    if missing:
        more = f" (and {len(missing) - 1} more day(s))" if len(missing) > 1 else ""
        raise RunError(
            f"cannot replay {first}..{last}: {ctx.landing.uri(missing[0])} does not exist{more}"
        )
    return _process(ctx, days, "replay")


def _merge(total: Outcome, step: Outcome) -> None:
    total.run_id = step.run_id
    total.committed += step.committed
    total.day_figures += step.day_figures
    total.failed = step.failed
    total.skipped = step.skipped
    total.seconds += step.seconds


def _process(ctx: Context, days: list[dt.date], mode: str) -> Outcome:
    started = time.monotonic()
    run_id = f"{mode}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    outcome = Outcome(mode=mode, run_id=run_id)
    files, unreadable = [], None
    for day in days:
        try:
            files.append(extract.inspect(ctx.landing, day))
        except UnreadableExtract as exc:
            unreadable = exc
            break
    if unreadable is not None and mode == "replay":
        # A replay is all or nothing: a corrected file that cannot be read changes nothing.
        outcome.failed = (unreadable.day, f"{unreadable}; nothing was replayed")
        files = []
    if files:
        _commit_days(ctx, files, mode, run_id, outcome)
    if unreadable is not None and outcome.ok and mode != "replay":
        attempts = ctx.warehouse.start_attempts([unreadable.day], mode, run_id, ctx.batch_id)
        ctx.warehouse.end_attempts(attempts, run_id, "failed", str(unreadable))
        outcome.failed = (unreadable.day, str(unreadable))
    outcome.seconds = time.monotonic() - started
    return outcome


def _commit_days(
    ctx: Context, files: list[extract.ExtractFile], mode: str, run_id: str, outcome: Outcome
) -> None:
    days = [f.day for f in files]
    attempts = ctx.warehouse.start_attempts(days, mode, run_id, ctx.batch_id)
    steps = _Steps(f"{mode} {days[0]}..{days[-1]}", visible=len(days) > 1)
    cached: list[DataFrame] = []
    try:
        run_staging = faults.seam(
            "staging", staging.for_run(ctx.session(), ctx.settings, run_id),
            calls={"sweep", "layer", "write", "read", "remove"}, named=True,
        )  # fmt: skip
        run_staging.sweep()
        try:
            commit = _compute(ctx, files, mode, run_id, attempts, steps, cached, run_staging)
            _uncache(cached)  # the tables are written: nothing reads the frames again
            cached.clear()
            ctx.warehouse.commit(commit)
        finally:  # committed, or the run failed: its staging is not needed
            _uncache(cached)
            run_staging.remove()
        steps.done("committed")
    except AlreadyCommitted as exc:
        steps.close()
        ctx.warehouse.end_attempts(attempts, run_id, "discard", None)
        outcome.skipped = f"already committed by another run ({exc})"
        return
    except Exception as exc:
        steps.close()
        error = failures.line(exc, ctx.spark, ctx.settings)
        ctx.warehouse.end_attempts(attempts, run_id, "failed", error[:2000])
        outcome.failed = (days[0], error)
        log.exception(
            "run %s failed",
            run_id,
            extra={"run_id": run_id, "business_date": days[0].isoformat(), "mode": mode},
        )
        return
    outcome.committed = days
    outcome.day_figures = commit.days


def _uncache(frames: list[DataFrame]) -> None:
    """Drop a run's cached frames, however it ended: a session runs many days. An error
    here is logged, not raised: the run's outcome is already decided."""
    for frame in frames:
        try:
            frame.unpersist()
        except Exception:
            log.warning("could not uncache a frame", exc_info=True)


class _Steps:
    """The milestones of a run, shown when it loads several days in one Spark job, where
    nothing else would show it moving."""

    # Validation, versions, prior state, timeline; each computed table (the staged
    # tables but ingestion_state, which is written from them); the commit.
    COUNT = 4 + len(STAGED_TABLES)

    def __init__(self, label: str, visible: bool):
        self.progress = Progress(label, self.COUNT, "steps") if visible else None

    @property
    def shown(self) -> bool:
        return self.progress is not None

    def done(self, step: str) -> None:
        if self.progress is not None:
            self.progress.advance(note=step)
            if self.progress.done == self.COUNT:
                self.close()

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()


def _compute(
    ctx: Context,
    files: list[extract.ExtractFile],
    mode: str,
    run_id: str,
    attempts: list[Attempt],
    steps: _Steps,
    cached: list[DataFrame],
    run_staging: staging.RunStaging,
) -> Commit:
    """Read the extracts, compute every table (jobs/graph.py) into the run's staging, and
    assemble the commit.

    The frames it caches go into `cached`, for the caller to drop however the run
    ends; its layers and tables go to `run_staging`, which the caller removes.
    """
    spark, settings = ctx.session(), ctx.settings
    first, last = files[0].day, files[-1].day
    ingested_at = dt.datetime.now(dt.UTC)
    tune_for(spark, settings, len(files))
    partitions = staging.partitions_for(
        sum(f.identity.size for f in files), large=len(files) > SMALL_RUN_DAYS
    )
    notes = {"checked": f"read and validated {len(files)} files", "versions": "ticket versions",
             "timeline": "timeline"}  # fmt: skip
    prior_rows = 0

    def layer(frame: DataFrame, name: str) -> DataFrame:
        # Each layer is cut from its lineage, written by the executors and read back:
        # later queries start from its rows instead of re-planning every expression above
        # them (most of the cost of a small run), and a lost executor loses none of it.
        held = run_staging.layer(frame, name, 1 if name == "touched" else partitions)
        if name in notes:
            steps.done(notes[name])
        return held

    def read_prior(touched: DataFrame) -> graph.Prior:
        nonlocal prior_rows
        prior = _prior_state(ctx, run_staging, mode, first, last, touched)
        prior_rows = prior.state.count() + (
            prior.replaced.count() if prior.replaced is not None else 0
        )
        steps.done(f"prior state of {prior_rows} tickets")
        return prior

    def hold(frame: DataFrame) -> DataFrame:
        held = reused(frame, len(files))
        cached.append(held)
        return held

    built = graph.build(extract.read(spark, files), settings, first, last, run_id, ingested_at,
                        read_prior=read_prior, layer=layer, reuse=hold)  # fmt: skip
    locations = {}
    for name, frame in built.tables.items():
        # The executors write each table where the warehouse loads it from: no row of
        # it passes through this process.
        locations[name] = run_staging.write(_typed(frame, name), f"tables/{name}", partitions)
        # Counted from the files' footers, and only where the progress is shown.
        note = (
            f"{name}: {spark.read.parquet(locations[name]).count()} rows" if steps.shown else name
        )
        steps.done(note)
    figures = _day_figures(ctx, run_staging, built, files, mode, run_id, attempts, ingested_at,
                           prior_rows)  # fmt: skip
    bounds = _bounds(_staged(run_staging, "fact_tickets"), built.prior.state, built.touched)
    return Commit(
        run_id=run_id,
        mode=mode,
        first_day=first,
        last_day=last,
        tables=locations,
        days=figures,
        fact_created=bounds.fact_created,
        history_from=bounds.history_from,
    )


def _day_figures(
    ctx: Context,
    run_staging: staging.RunStaging,
    built: graph.Built,
    files: list[extract.ExtractFile],
    mode: str,
    run_id: str,
    attempts: list[Attempt],
    ingested_at: dt.datetime,
    prior_rows: int,
) -> list[DayFigures]:
    """The per-day figures of ingestion_state, aggregated by the executors: a row a day."""
    upserted = dict(built.versions.groupBy("business_date").count().collect())
    ops = _staged(run_staging, "daily_ops_metrics")
    per_day = {
        day: (rows_in, rows_rejected, upserted.get(day, 0))
        for day, rows_in, rows_rejected in ops.select(
            "business_date", "rows_ingested", "rows_rejected"
        ).collect()
    }
    read_files = {f.day: f for f in files}
    first = files[0].day
    figures = []
    for a in attempts:
        rows_in, rows_rejected, upserted_rows = per_day.get(a.business_date, (0, 0, 0))
        read = read_files[a.business_date]
        figures.append(
            DayFigures(
                business_date=a.business_date,
                status="succeeded",
                mode=mode,
                run_id=run_id,
                attempt=a.attempt,
                started_at=ingested_at,
                finished_at=dt.datetime.now(dt.UTC),
                rows_in=rows_in,
                rows_rejected=rows_rejected,
                rows_upserted=upserted_rows,
                # The prior state is read once per run; it is charged to the run's first day.
                rows_read=rows_in + (prior_rows if a.business_date == first else 0),
                batch_id=ctx.batch_id,
                source_uri=read.uri,
                file_bytes=read.identity.size,
                file_crc32c=read.identity.crc32c,
                file_generation=read.identity.generation,
                error=None,
            )
        )
    return figures


def _staged(run_staging: staging.RunStaging, name: str) -> DataFrame:
    """A table of the run as the executors wrote it to the staging."""
    return run_staging.read(f"tables/{name}", spark_schema(table(name)))


def _prior_state(
    ctx: Context,
    run_staging: staging.RunStaging,
    mode: str,
    first: dt.date,
    last: dt.date,
    touched: DataFrame,
) -> graph.Prior:
    """The state before `first` of the open tickets and of the `touched` tickets, and (for
    a replay) the tickets the replayed days touched before the correction.

    A new day's prior state is fact_tickets as it stands. A replay's is the history as of
    the day before it, for the tickets its days touch now or touched before. The keys go
    to the warehouse as files and its rows come back as files, which the executors read:
    none of them passes through this process.
    """
    keys, prior = run_staging.location("touched"), run_staging.location("prior")
    # Typed as schemas/ declares fact_tickets, whatever types the warehouse wrote.
    facts = spark_schema(table("fact_tickets"))
    if mode != "replay":
        ctx.warehouse.write_prior_state(keys, prior)
        return graph.Prior(run_staging.read("prior", facts))
    ctx.warehouse.write_versioned_tickets(first, last, run_staging.location("replaced"))
    replaced = run_staging.read("replaced", StructType([facts["ticket_id"]]))
    both = run_staging.write(touched.unionByName(replaced).distinct(), "replay_keys", 1)
    ctx.warehouse.write_state_as_of(first - dt.timedelta(days=1), both, prior)
    return graph.Prior(run_staging.read("prior", facts), replaced)


def _typed(frame: DataFrame, table_name: str) -> DataFrame:
    """The table's columns with the Spark types schemas/ declares, so the Parquet the
    executors write has exactly the warehouse's types."""
    schema = spark_schema(table(table_name))
    return frame.select([F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields])


@dataclass(frozen=True)
class _Bounds:
    # The created_date range of the fact rows a commit may touch: its new rows and the
    # stored rows of the same tickets (in case a later version moved a ticket's created_at).
    fact_created: tuple[dt.date, dt.date] | None
    # The earliest day a current version the run supersedes became current.
    history_from: dt.date | None


def _bounds(staged: DataFrame, prior: DataFrame, touched: DataFrame) -> _Bounds:
    """The partitions a commit's MERGE and history update read: two small figures,
    aggregated by the executors."""
    stored = prior.join(touched, "ticket_id", "left_semi")
    created = staged.select("created_date").unionByName(stored.select("created_date"))
    (low, high), (superseded,) = (
        created.agg(F.min("created_date"), F.max("created_date")).first(),
        stored.agg(F.min("last_business_date")).first(),
    )
    return _Bounds((low, high) if low is not None else None, superseded)
