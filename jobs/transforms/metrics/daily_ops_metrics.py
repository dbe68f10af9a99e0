"""daily_ops_metrics: the one-line operations summary of each day."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.schemas import table


def daily_ops_metrics(
    features: DataFrame, backlog: DataFrame, day_versions: DataFrame, counts: DataFrame
) -> DataFrame:
    """Built from the other KPI tables of the same days, so the numbers agree by construction."""
    per_day = day_versions.groupBy("business_date").agg(
        F.avg(F.when(F.col("solved_in_day"), F.col("csat_score").cast("double"))).alias("csat_avg"),
        F.count_distinct("agent_id").alias("active_agents"),
    )
    solved = F.col("tickets_solved")
    return (
        features.join(backlog.select("business_date", "open_eod"), "business_date")
        .join(per_day, "business_date", "left")
        .join(counts, "business_date", "left")
        .fillna(0, subset=["active_agents", "rows_in", "rows_rejected"])
        .withColumns(
            {
                "sla_compliance_pct": F.lit(100.0) - F.col("sla_breach_pct"),
                "reopen_rate": F.when(solved > 0, F.col("tickets_reopened") / solved),
                "rows_ingested": F.col("rows_in"),
            }
        )
        .select(*table("daily_ops_metrics").column_names)
    )
