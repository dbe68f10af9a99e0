"""Raw layer: decide which extract rows are valid (docs/data-contract.md) and type them.

`check` keeps every record and adds `reasons`, an array of reason codes that is
empty for a valid row, plus the typed values. The other functions cut that into
the three things a day writes: all rows as landed, the quarantine, and the
typed valid rows the fact layer builds on.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.extract import CORRUPT_RECORD
from jobs.schemas import SOURCE_COLUMNS
from jobs.transforms.clock import business_date

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
OPEN_STATUSES = ("new", "open", "pending", "hold")
SOLVED_STATUSES = ("solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")

# UTC only, whole seconds: the contract's timestamp format (docs/data-contract.md).
_TIMESTAMP_TEXT = r"^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"  # year 0 does not exist
_COUNT_TEXT = r"^[0-9]{1,9}$"
_TIMESTAMPS = ("created_at", "updated_at", "first_response_at", "solved_at")
_COUNTS = ("reopen_count", "csat_score")
LINEAGE = ("business_date", "source_uri", "line_number")


def _clean(name: str) -> Column:
    """Trimmed text; empty after trimming means missing."""
    # btrim with a character set, not a regex: an anchored alternation is tried at
    # every position of every value and was most of the cost of validation.
    text = F.btrim(F.col(name), F.lit(" \t\r\n"))
    return F.when(text != "", text)


def _timestamp(text: Column) -> Column:
    """The instant of a contract timestamp; null for any other text or an impossible date.

    Once the pattern has vouched for the shape, Spark's own string-to-timestamp cast
    reads the first 19 characters in the session time zone, UTC (jobs/spark.py): faster
    than a parse with a format pattern, with the same result on every value.
    """
    return F.when(text.rlike(_TIMESTAMP_TEXT), F.substring(text, 1, 19).try_cast("timestamp"))


def _has_nul() -> Column:
    """A NUL byte in any value: never text, a sign of a corrupted record (and it would
    otherwise make a ticket id that looks like another one)."""
    return F.concat_ws("", *[F.col(c) for c in SOURCE_COLUMNS]).contains("\x00")


def check(raw: DataFrame, time_zone: str) -> DataFrame:
    """Every record with typed values (`t_<column>`) and its reason codes.

    Three steps, each referring to the columns of the one before, so every value
    is trimmed and parsed once: trimmed text (`x_`), typed values (`t_`), reasons.
    """
    trimmed = raw.select("*", *[_clean(c).alias(f"x_{c}") for c in SOURCE_COLUMNS])
    x = {c: F.col(f"x_{c}") for c in SOURCE_COLUMNS}
    typed = {
        **x,
        "status": F.lower(x["status"]),
        "priority": F.lower(x["priority"]),
        **{c: _timestamp(x[c]) for c in _TIMESTAMPS},
        **{c: F.when(x[c].rlike(_COUNT_TEXT), x[c].cast("long")) for c in _COUNTS},
    }
    staged = trimmed.select(
        *raw.columns, *x.values(), *[typed[c].alias(f"t_{c}") for c in SOURCE_COLUMNS]
    )

    t = {c: F.col(f"t_{c}") for c in SOURCE_COLUMNS}
    present = {c: x[c].isNotNull() for c in SOURCE_COLUMNS}
    rules = [
        ("malformed_row", F.col(CORRUPT_RECORD).isNotNull() | _has_nul()),
        ("missing_ticket_id", t["ticket_id"].isNull()),
        ("bad_created_at", t["created_at"].isNull()),
        ("bad_updated_at", t["updated_at"].isNull()),
        ("unknown_status", ~F.coalesce(t["status"].isin(*STATUSES), F.lit(False))),
        ("unknown_priority", ~F.coalesce(t["priority"].isin(*PRIORITIES), F.lit(False))),
        ("updated_before_created", t["updated_at"] < t["created_at"]),
        ("bad_first_response_at", present["first_response_at"] & t["first_response_at"].isNull()),
        ("bad_solved_at", present["solved_at"] & t["solved_at"].isNull()),
        ("solved_before_created", t["solved_at"] < t["created_at"]),
        ("bad_reopen_count", present["reopen_count"] & t["reopen_count"].isNull()),
        (
            "bad_csat_score",
            present["csat_score"] & ~F.coalesce(t["csat_score"].between(1, 5), F.lit(False)),
        ),
        ("outside_day", business_date(t["updated_at"], time_zone) != F.col("business_date")),
    ]
    reasons = F.array_compact(
        F.array(*[F.when(F.coalesce(broken, F.lit(False)), F.lit(code)) for code, broken in rules])
    )
    return staged.withColumn("reasons", reasons).drop(*[f"x_{c}" for c in SOURCE_COLUMNS])


def landed_rows(checked: DataFrame) -> DataFrame:
    """tickets_raw: every record as landed, with lineage (run columns added at commit)."""
    return checked.select(*SOURCE_COLUMNS, *LINEAGE)


def rejected_rows(checked: DataFrame) -> DataFrame:
    """tickets_rejected: the records with at least one reason code."""
    return checked.where(F.size("reasons") > 0).select(
        *SOURCE_COLUMNS, *LINEAGE, "reasons", F.col(CORRUPT_RECORD).alias("raw_record")
    )


def valid_rows(checked: DataFrame) -> DataFrame:
    """The valid records, typed, with the day and record number they came from."""
    return checked.where(F.size("reasons") == 0).select(
        *[F.col(f"t_{c}").alias(c) for c in SOURCE_COLUMNS], "business_date", "line_number"
    )


def day_counts(checked: DataFrame) -> DataFrame:
    """Per business day: rows in the extract and rows rejected."""
    return checked.groupBy("business_date").agg(
        F.count(F.lit(1)).alias("rows_in"),
        F.count_if(F.size("reasons") > 0).alias("rows_rejected"),
    )
