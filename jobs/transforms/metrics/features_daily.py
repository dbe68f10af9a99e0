"""features_daily: volume, TAT, first response and SLA breach per day (docs/kpis.md)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.schemas import table


def solved_tat() -> F.Column:
    """TAT in hours of a version solved in its day; null otherwise."""
    return F.when(F.col("solved_in_day"), F.col("resolution_hours"))


def breach_pct(solved: F.Column, breached: F.Column) -> F.Column:
    """Percent of solved versions that breached; null when none were solved."""
    return F.when(solved > 0, F.lit(100.0) * breached / solved)


def features_daily(day_versions: DataFrame, days: DataFrame) -> DataFrame:
    solved = F.col("solved_in_day")
    per_day = day_versions.groupBy("business_date").agg(
        F.count_if("created_in_day").alias("tickets_created"),
        F.count_if(solved).alias("tickets_solved"),
        F.count_if("reopened").alias("tickets_reopened"),
        F.avg(solved_tat()).alias("tat_avg_hours"),
        F.percentile(solved_tat(), F.lit(0.5)).alias("tat_p50_hours"),
        F.percentile(solved_tat(), F.lit(0.9)).alias("tat_p90_hours"),
        F.avg(F.when(F.col("responded_in_day"), F.col("first_response_minutes"))).alias(
            "first_response_avg_minutes"
        ),
        F.count_if(solved & F.col("sla_breached")).alias("_breached"),
    )
    return (
        days.join(per_day, "business_date", "left")
        .fillna(0, subset=["tickets_created", "tickets_solved", "tickets_reopened", "_breached"])
        .withColumn("sla_breach_pct", breach_pct(F.col("tickets_solved"), F.col("_breached")))
        .select(*table("features_daily").column_names)
    )
