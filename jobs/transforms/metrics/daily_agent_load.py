"""daily_agent_load: per agent and day, what they touched, solved and hold open."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.schemas import table
from jobs.transforms.metrics.features_daily import solved_tat


def daily_agent_load(day_versions: DataFrame, open_ticket_days: DataFrame) -> DataFrame:
    solved = F.col("solved_in_day")
    worked = (
        day_versions.where(F.col("agent_id").isNotNull())
        .groupBy("business_date", "agent_id")
        .agg(
            F.count(F.lit(1)).alias("tickets_touched"),
            F.count_if(solved).alias("tickets_solved"),
            F.avg(solved_tat()).alias("tat_avg_hours"),
            F.count_if(solved & F.col("sla_breached")).alias("sla_breaches"),
        )
    )
    holding = (
        open_ticket_days.where(F.col("agent_id").isNotNull())
        .groupBy("business_date", "agent_id")
        .agg(F.count(F.lit(1)).alias("open_assigned_eod"))
    )
    return (
        worked.join(holding, ["business_date", "agent_id"], "full")
        .fillna(
            0, subset=["tickets_touched", "tickets_solved", "sla_breaches", "open_assigned_eod"]
        )
        .select(*table("daily_agent_load").column_names)
    )
