"""The transform graph: every table of a run, built from its inputs by the pure transforms.

Four stages, because the pipeline acts between them: it holds each layer
(checkpoints), and it reads the prior state from the warehouse for exactly the
tickets the extracts touch, which it learns from the second stage.

1. `checked_records`: the raw layer's verdict on every extract record;
2. `ticket_versions`: each ticket's version of each day, with its fact columns;
3. `state_changes`: each ticket's state from the prior state through the run;
4. `tables`: every table a run writes, keyed by its name in schemas/tables.json.

The pipeline (jobs/pipeline.py) and the transform tests (tests/jobs) both call
these, so the wiring exists once. Adding a KPI table is a schema file, a module
under transforms/metrics/ with its test, and one line in `tables`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.config import Settings
from jobs.schemas import table
from jobs.transforms import timeline, validate, versions
from jobs.transforms.metrics.backlog_daily import backlog_daily
from jobs.transforms.metrics.channel_daily import channel_daily
from jobs.transforms.metrics.daily_agent_load import daily_agent_load
from jobs.transforms.metrics.daily_ops_metrics import daily_ops_metrics
from jobs.transforms.metrics.features_daily import features_daily

Hold = Callable[[DataFrame], DataFrame]


def _as_is(frame: DataFrame) -> DataFrame:
    return frame


def checked_records(records: DataFrame, settings: Settings) -> DataFrame:
    """Every extract record, typed, with its reason codes (an empty list when valid)."""
    return validate.check(records, settings.time_zone)


def ticket_versions(checked: DataFrame, settings: Settings) -> DataFrame:
    """Each ticket's version of each day, with the derived columns of fact_tickets."""
    valid = validate.valid_rows(checked)
    return versions.with_fact_columns(
        versions.versions_of_day(valid), settings.sla, settings.time_zone
    )


def state_changes(
    enriched: DataFrame, prior: DataFrame, first: dt.date, last: dt.date
) -> DataFrame:
    """Each ticket's prior state and its versions of first..last, in order."""
    return timeline.steps(enriched, prior, first, last)


def tables(
    checked: DataFrame,
    enriched: DataFrame,
    changes: DataFrame,
    first: dt.date,
    last: dt.date,
    settings: Settings,
    run_id: str,
    ingested_at: dt.datetime,
    reuse: Hold = _as_is,
) -> dict[str, DataFrame]:
    """Every table the run writes for first..last (all but ingestion_state), by name.

    `reuse` holds the frames a later table is built from again (a large run caches them).
    """
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
