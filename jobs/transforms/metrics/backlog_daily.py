"""backlog_daily: the open backlog at end of day by priority and age, and its flows."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.schemas import table
from jobs.transforms.clock import day_end, hours_between
from jobs.transforms.validate import PRIORITIES

# Age buckets in days: [lower, upper), the last one open-ended.
AGE_BUCKETS = (
    ("age_0_1d", 0, 1),
    ("age_1_3d", 1, 3),
    ("age_3_7d", 3, 7),
    ("age_7_14d", 7, 14),
    ("age_14_30d", 14, 30),
    ("age_30d_plus", 30, None),
)


def backlog_daily(
    day_versions: DataFrame, open_ticket_days: DataFrame, days: DataFrame, time_zone: str
) -> DataFrame:
    end = day_end(F.col("business_date"), time_zone)
    age_days = hours_between(end, F.col("created_at")) / 24.0

    def in_bucket(lower: int, upper: int | None) -> F.Column:
        return (age_days >= lower) if upper is None else (age_days >= lower) & (age_days < upper)

    open_counts = open_ticket_days.groupBy("business_date").agg(
        F.count(F.lit(1)).alias("open_eod"),
        *[F.count_if(F.col("priority") == p).alias(f"open_{p}") for p in PRIORITIES],
        *[F.count_if(in_bucket(lo, hi)).alias(name) for name, lo, hi in AGE_BUCKETS],
        F.count_if(F.col("sla_due_at") < end).alias("open_past_due"),
    )
    flows = day_versions.groupBy("business_date").agg(
        F.count_if("entered_backlog").alias("entered_backlog"),
        F.count_if("left_backlog").alias("left_backlog"),
    )
    columns = table("backlog_daily").column_names
    return (
        days.join(open_counts, "business_date", "left")
        .join(flows, "business_date", "left")
        .fillna(0, subset=[c for c in columns if c != "business_date"])
        .select(*columns)
    )
