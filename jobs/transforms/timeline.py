"""Fact layer, part 2: how each ticket's state moves from day to day.

The state after D is each ticket's latest version on a day <= D. A run over the
days first..last starts from the state before `first` (the prior state, read
from fact_tickets) and applies the versions of each day in order. Backfill
(many days) and daily runs (one day) both go through these functions, which is
what makes a backfill give exactly the tables of the daily runs it replaces.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from jobs.schemas import table
from jobs.transforms.clock import business_date
from jobs.transforms.validate import SOLVED_STATUSES

_STATE_COLUMNS = [c for c in table("fact_tickets").column_names if c != "run_id"]


def day_spine(spark: SparkSession, first: dt.date, last: dt.date) -> DataFrame:
    """One row per business day first..last, in one partition."""
    return spark.range(1, numPartitions=1).select(
        F.explode(F.sequence(F.lit(first), F.lit(last))).alias("business_date")
    )


def steps(enriched: DataFrame, prior: DataFrame, first: dt.date, last: dt.date) -> DataFrame:
    """Each ticket's prior state and its versions in order, with what came before each.

    Adds `is_prior`, `was_open` and `previous_reopens` (the state after the
    previous day) and `valid_until` (the last day this state holds).
    """
    before = prior.select(*_STATE_COLUMNS).withColumns(
        {"business_date": F.lit(first - dt.timedelta(days=1)), "is_prior": F.lit(True)}
    )
    during = enriched.select(*_STATE_COLUMNS, "business_date").withColumn("is_prior", F.lit(False))
    in_order = Window.partitionBy("ticket_id").orderBy("business_date")
    return before.unionByName(during).withColumns(
        {
            "was_open": F.coalesce(F.lag("is_open").over(in_order), F.lit(False)),
            "previous_reopens": F.coalesce(
                F.lag(F.coalesce("reopen_count", F.lit(0))).over(in_order), F.lit(0)
            ),
            "valid_until": F.coalesce(
                F.date_sub(F.lead("business_date").over(in_order), 1), F.lit(last)
            ),
        }
    )


def day_versions(ticket_steps: DataFrame, time_zone: str) -> DataFrame:
    """The versions of each day with the per-day facts the KPIs count (docs/kpis.md)."""
    day = F.col("business_date")
    solved = F.col("status").isin(*SOLVED_STATUSES) & (
        business_date(F.col("solved_at"), time_zone) == day
    )
    return ticket_steps.where(~F.col("is_prior")).withColumns(
        {
            "created_in_day": F.coalesce(
                business_date(F.col("created_at"), time_zone) == day, F.lit(False)
            ),
            "solved_in_day": F.coalesce(solved, F.lit(False)),
            "responded_in_day": F.coalesce(
                business_date(F.col("first_response_at"), time_zone) == day, F.lit(False)
            ),
            "reopened": F.coalesce("reopen_count", F.lit(0)) > F.col("previous_reopens"),
            "entered_backlog": F.col("is_open") & ~F.col("was_open"),
            "left_backlog": ~F.col("is_open") & F.col("was_open"),
        }
    )


def history(ticket_steps: DataFrame, last: dt.date) -> DataFrame:
    """The run's rows of fact_tickets_history: each version of first..last, valid from its
    day through the day before the ticket's next version, or open-ended (valid_to null)
    when it is the ticket's latest."""
    return ticket_steps.where(~F.col("is_prior")).withColumns(
        {
            "valid_from": F.col("business_date"),
            "valid_to": F.when(F.col("valid_until") < F.lit(last), F.col("valid_until")),
        }
    )


def open_ticket_days(ticket_steps: DataFrame, first: dt.date) -> DataFrame:
    """One row per (business_date, open ticket) at the end of each day first..last."""
    from_day = F.greatest("business_date", F.lit(first))
    # A prior state replaced on the first day holds for no day of the run; without
    # this filter sequence() would count down instead of yielding nothing.
    return ticket_steps.where(F.col("is_open") & (from_day <= F.col("valid_until"))).select(
        F.explode(F.sequence(from_day, F.col("valid_until"))).alias("business_date"),
        "ticket_id",
        "priority",
        "agent_id",
        "created_at",
        "sla_due_at",
    )
