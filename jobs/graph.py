"""The transform graph: every table of a run, built from its inputs by the pure transforms.

`build` is the one way in: the pipeline (jobs/pipeline.py) and the transform tests
(tests/jobs) both call it, so the wiring exists once. What differs between them is
given to it: how a layer is held (the pipeline writes it to the run's staging, a test
checkpoints it) and how the prior state of the touched tickets is read (the pipeline
asks the warehouse, a test hands over rows). It runs four stages:

1. `_checked_records`: the raw layer's verdict on every extract record;
2. `_ticket_versions`: each ticket's version of each day, with its fact columns; the
   tickets they touch are what the prior state is read for;
3. `_state_changes`: each ticket's state from the prior state through the run;
4. `_tables`: every table a run writes, keyed by its name in schemas/tables.json; in a
   replay, fact_tickets also restores the tickets only the replaced files mentioned.

Adding a KPI table is a schema file, a module under transforms/metrics/ with its test,
and one line in `_tables`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.config import Settings
from jobs.schemas import table
from jobs.transforms import restore, timeline, validate, versions
from jobs.transforms.metrics.backlog_daily import backlog_daily
from jobs.transforms.metrics.channel_daily import channel_daily
from jobs.transforms.metrics.daily_agent_load import daily_agent_load
from jobs.transforms.metrics.daily_ops_metrics import daily_ops_metrics
from jobs.transforms.metrics.features_daily import features_daily

Hold = Callable[[DataFrame], DataFrame]


@dataclass(frozen=True)
class Prior:
    """What the run starts from: the fact rows before its first day of the tickets it
    touches and of the open tickets, and in a replay the tickets whose versions it
    replaces (`ticket_id`), which may need restoring."""

    state: DataFrame
    replaced: DataFrame | None = None


@dataclass(frozen=True)
class Built:
    tables: dict[str, DataFrame]  # every table but ingestion_state, by name
    versions: DataFrame  # each ticket's version of each day: the rows it upserts
    touched: DataFrame  # ticket_id of every ticket the extracts touch
    prior: Prior


def _as_is(frame: DataFrame) -> DataFrame:
    return frame


def _as_is_named(frame: DataFrame, name: str) -> DataFrame:
    return frame


def build(
    records: DataFrame,
    settings: Settings,
    first: dt.date,
    last: dt.date,
    run_id: str,
    ingested_at: dt.datetime,
    read_prior: Callable[[DataFrame], Prior],
    layer: Callable[[DataFrame, str], DataFrame] = _as_is_named,
    reuse: Hold = _as_is,
) -> Built:
    """Every table of a run over the extract `records` of first..last.

    `read_prior` is given the touched tickets (`ticket_id`) and returns their prior
    state. `layer` holds each layer under its name (checked, versions, touched,
    timeline); `reuse` holds the frames that several tables are built from.
    """
    checked = layer(_checked_records(records, settings), "checked")
    enriched = layer(_ticket_versions(checked, settings), "versions")
    touched = layer(enriched.select("ticket_id").distinct(), "touched")
    prior = read_prior(touched)
    changes = layer(_state_changes(enriched, prior.state, first, last), "timeline")
    tables = _tables(checked, enriched, changes, first, last, settings, run_id, ingested_at, reuse)
    if prior.replaced is not None:
        tables["fact_tickets"] = tables["fact_tickets"].unionByName(
            restore.only_replaced(prior.state, prior.replaced, enriched)
        )
    return Built(tables, enriched, touched, prior)


def _checked_records(records: DataFrame, settings: Settings) -> DataFrame:
    """Every extract record, typed, with its reason codes (an empty list when valid)."""
    return validate.check(records, settings.time_zone)


def _ticket_versions(checked: DataFrame, settings: Settings) -> DataFrame:
    """Each ticket's version of each day, with the derived columns of fact_tickets."""
    valid = validate.valid_rows(checked)
    return versions.with_fact_columns(
        versions.versions_of_day(valid), settings.sla, settings.time_zone
    )


def _state_changes(
    enriched: DataFrame, prior: DataFrame, first: dt.date, last: dt.date
) -> DataFrame:
    """Each ticket's prior state and its versions of first..last, in order."""
    return timeline.steps(enriched, prior, first, last)


def _tables(
    checked: DataFrame,
    enriched: DataFrame,
    changes: DataFrame,
    first: dt.date,
    last: dt.date,
    settings: Settings,
    run_id: str,
    ingested_at: dt.datetime,
    reuse: Hold,
) -> dict[str, DataFrame]:
    """Every table the run writes for first..last (all but ingestion_state), by name."""
    tz = settings.time_zone
    day_versions = timeline.day_versions(changes, tz)
    open_days = timeline.open_ticket_days(changes, first)
    days = timeline.day_spine(checked.sparkSession, first, last)
    features = reuse(features_daily(day_versions, days))
    backlog = reuse(backlog_daily(day_versions, open_days, days, tz))
    counts = validate.day_counts(checked)
    lineage = {"ingested_at": F.lit(ingested_at), "run_id": F.lit(run_id)}
    built = {
        "tickets_raw": validate.landed_rows(checked).withColumns(lineage),
        "tickets_rejected": validate.rejected_rows(checked).withColumns(lineage),
        "fact_tickets": versions.latest_state(enriched, run_id),
        "fact_tickets_history": timeline.history(changes, last).withColumn("run_id", F.lit(run_id)),
        "features_daily": features,
        "daily_agent_load": daily_agent_load(day_versions, open_days),
        "backlog_daily": backlog,
        "daily_ops_metrics": daily_ops_metrics(features, backlog, day_versions, counts),
        "channel_daily": channel_daily(day_versions),
    }
    # Each table's columns as schemas/<table>.json declares them, in its order.
    return {name: frame.select(*table(name).column_names) for name, frame in built.items()}
