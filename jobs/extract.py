"""Reading the daily extracts: a pre-flight check per file, then one Spark read.

A file that cannot be read as the contract says (no header, a header missing
columns, bytes that are not UTF-8, an unbalanced quote) raises `UnreadableExtract`
naming the file and the problem, before anything is written. Row-level problems are not errors
here: every record is returned, and validation decides what is quarantined.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.landing import FileIdentity, Landing
from jobs.schemas import SOURCE_COLUMNS

CORRUPT_RECORD = "_corrupt_record"
_BOM = "\ufeff"
_DAY_IN_PATH = r"/dt=(\d{4}-\d{2}-\d{2})/[^/]+$"


class UnreadableExtract(Exception):
    """A whole file is unusable; the day fails and nothing is written."""

    def __init__(self, day: dt.date, uri: str, problem: str):
        super().__init__(f"{uri}: {problem}")
        self.day, self.uri, self.problem = day, uri, problem


@dataclass(frozen=True)
class ExtractFile:
    day: dt.date
    uri: str
    header: tuple[str, ...]  # the file's own column names, in file order
    identity: FileIdentity  # of the bytes checked: what the run records it read


def inspect(landing: Landing, day: dt.date) -> ExtractFile:
    """Check that the day's file is UTF-8 with a header naming every contract column.

    Column order may differ from the contract and extra columns are ignored:
    both are harmless, and exports do add columns over time.
    """
    uri = landing.uri(day)
    landed = landing.fetch(day)
    data = landed.data
    if not data:
        raise UnreadableExtract(day, uri, "file is empty (0 bytes); expected at least a header row")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableExtract(
            day,
            uri,
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line})",
        ) from None
    first_record = next(csv.reader(io.StringIO(text.removeprefix(_BOM))), [])
    header = tuple(name.strip() for name in first_record)
    missing = [c for c in SOURCE_COLUMNS if c not in header]
    if missing:
        raise UnreadableExtract(
            day,
            uri,
            f"header lacks column(s) {', '.join(missing)} "
            f"(found: {', '.join(header) or 'nothing'})",
        )
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise UnreadableExtract(day, uri, f"header repeats column(s) {', '.join(duplicated)}")
    broken = _broken_quoting(text)
    if broken:
        raise UnreadableExtract(day, uri, broken)
    return ExtractFile(day=day, uri=uri, header=header, identity=landed.identity)


def _broken_quoting(text: str) -> str | None:
    """Where the file's quoting breaks RFC 4180, if it does.

    A quoted value that is never closed makes a CSV reader take every following
    line into that one value, so the valid rows after it would end up inside one
    quarantined record; a quote closed early leaves text after it. Either way the
    file's records cannot be told apart, so the day fails naming the line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        return (
            f"unbalanced quotes: the record starting on line {start} does not parse "
            f"({exc}, at line {reader.line_num})"
        )
    return None


FILE_OPEN_COST = 1 << 40  # bytes: more than any partition holds


def read(spark: SparkSession, files: list[ExtractFile]) -> DataFrame:
    """All records of the files, as strings, with business_date, source_uri and line_number.

    Files are read with an explicit all-string schema in their own column order;
    a record whose field count differs from its header keeps its text in
    `_corrupt_record`. `line_number` counts records (not physical lines) from 1,
    header excluded.
    """
    # One file per partition: a multi-line CSV file is never split, and with a file's
    # open cost this high no two files share a partition either (Spark fills a partition
    # while its files and their open costs fit spark.sql.files.maxPartitionBytes), so a
    # record's position in its partition is its position in its file. Numbering records
    # that way needs no shuffle, where a window over each file sorts all of a backfill's
    # rows. The setting is read when a scan runs, so it is set on the session, not the
    # reader; unlike a tiny maxPartitionBytes it leaves other scans (a run's Parquet
    # layers, jobs/staging.py) in splits of the usual size, one file each.
    spark.conf.set("spark.sql.files.openCostInBytes", str(FILE_OPEN_COST))
    by_header: dict[tuple[str, ...], list[ExtractFile]] = {}
    for f in files:
        by_header.setdefault(f.header, []).append(f)
    frames = [_read_same_header(spark, header, group) for header, group in by_header.items()]
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other)
    return frame


# monotonically_increasing_id() keeps a record's position within its partition in
# its lower 33 bits (the partition's index is above them).
_POSITION_IN_PARTITION = (1 << 33) - 1


def _read_same_header(
    spark: SparkSession, header: tuple[str, ...], files: list[ExtractFile]
) -> DataFrame:
    positional = [f"_c{i}" for i in range(len(header))]
    schema = T.StructType(
        [T.StructField(name, T.StringType()) for name in positional]
        + [T.StructField(CORRUPT_RECORD, T.StringType())]
    )
    records = spark.read.csv(
        [f.uri for f in files],
        schema=schema,
        header=True,
        multiLine=True,
        quote='"',
        escape='"',
        encoding="UTF-8",
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT_RECORD,
    ).withColumn("source_uri", F.input_file_name())
    position = F.monotonically_increasing_id().bitwiseAND(F.lit(_POSITION_IN_PARTITION))
    return records.select(
        *[F.col(positional[header.index(c)]).alias(c) for c in SOURCE_COLUMNS],
        F.col(CORRUPT_RECORD),
        F.regexp_extract("source_uri", _DAY_IN_PATH, 1).cast("date").alias("business_date"),
        "source_uri",
        (position + 1).alias("line_number"),
    )
