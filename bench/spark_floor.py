"""What Spark alone costs a cold process here, before any of the pipeline's own work.

`python -m bench.spark_floor YYYY-MM-DD` starts the local session as
`python -m jobs daily` does once the class-data archive exists (the same JVM
options and one-day tuning; the bench's backfill has written the archive by then,
and this process never records one), reads that day's extract through
jobs.extract, counts its records and stops: the first Spark job any cold daily
run needs. The bench sets it beside the cold
`make daily`, so what the pipeline adds on top of it is plain to see.
"""

from __future__ import annotations

import datetime as dt
import sys

from jobs import config, extract, resources, spark


def main(argv: list[str]) -> int:
    day = dt.date.fromisoformat(argv[0])
    settings = config.load("local")
    extract_file = extract.inspect(resources.landing_for(settings), day)
    session = spark.session(settings, one_day=True)
    spark.tune_for(session, settings, days=1)
    records = extract.read(session, [extract_file]).count()
    spark.stop()
    print(f"{day}: {records} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
