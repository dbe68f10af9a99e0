"""Fact layer, part 1: one version per ticket and day, with the derived fact columns.

Version of D (docs/kpis.md): per ticket, the valid row of D's file with the
greatest updated_at; on a tie, the later record.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.config import SlaPolicy
from jobs.schemas import table
from jobs.transforms.clock import business_date, hours_between, plus_hours
from jobs.transforms.validate import OPEN_STATUSES, SOLVED_STATUSES


def versions_of_day(valid: DataFrame) -> DataFrame:
    """One row per (business_date, ticket_id): the ticket's version of that day."""
    latest_first = Window.partitionBy("business_date", "ticket_id").orderBy(
        F.col("updated_at").desc(), F.col("line_number").desc()
    )
    return (
        valid.withColumn("_rank", F.row_number().over(latest_first))
        .where("_rank = 1")
        .drop("_rank", "line_number")
    )


def _target_hours(targets: dict[str, float], priority: Column) -> Column:
    lookup = F.create_map(*[x for p, h in targets.items() for x in (F.lit(p), F.lit(float(h)))])
    return lookup[priority]


def with_fact_columns(versions: DataFrame, sla: SlaPolicy, time_zone: str) -> DataFrame:
    """Add the derived columns of fact_tickets to ticket versions."""
    solved = F.col("status").isin(*SOLVED_STATUSES) & F.col("solved_at").isNotNull()
    due = plus_hours(F.col("created_at"), _target_hours(sla.resolution_hours, F.col("priority")))
    return versions.withColumns(
        {
            "created_date": business_date(F.col("created_at"), time_zone),
            "is_open": F.col("status").isin(*OPEN_STATUSES),
            "resolution_hours": F.when(
                solved, hours_between(F.col("solved_at"), F.col("created_at"))
            ),
            "first_response_minutes": hours_between(F.col("first_response_at"), F.col("created_at"))
            * 60.0,
            "sla_due_at": due,
            "sla_breached": F.when(solved, F.col("solved_at") > due),
            "last_business_date": F.col("business_date"),
        }
    )


def latest_state(enriched: DataFrame, run_id: str) -> DataFrame:
    """fact_tickets rows: each ticket's latest version (greatest updated_at)."""
    latest_first = Window.partitionBy("ticket_id").orderBy(
        F.col("updated_at").desc(), F.col("business_date").desc()
    )
    return (
        enriched.withColumn("_rank", F.row_number().over(latest_first))
        .where("_rank = 1")
        .withColumn("run_id", F.lit(run_id))
        .select(*table("fact_tickets").column_names)
    )
