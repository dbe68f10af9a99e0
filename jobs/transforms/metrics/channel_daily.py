"""channel_daily: per channel and day, the tickets created and solved, their TAT and SLA breach."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.schemas import table
from jobs.transforms.metrics.features_daily import breach_pct, solved_tat


def channel_daily(day_versions: DataFrame) -> DataFrame:
    """One row per day and channel that a version of the day names."""
    solved = F.col("solved_in_day")
    breached = F.count_if(solved & F.col("sla_breached"))
    return (
        day_versions.where(F.col("channel").isNotNull())
        .groupBy("business_date", "channel")
        .agg(
            F.count_if("created_in_day").alias("tickets_created"),
            F.count_if(solved).alias("tickets_solved"),
            F.percentile(solved_tat(), F.lit(0.5)).alias("tat_p50_hours"),
            breach_pct(F.count_if(solved), breached).alias("sla_breach_pct"),
        )
        .select(*table("channel_daily").column_names)
    )
