"""The growth exponent `make bench` reports: a least-squares slope in log-log space."""

import pytest

from bench.growth import Point, _figures, exponent
from bench.process_tree import Peaks

SCALES = [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        ([15.0, 30.0, 60.0, 120.0], 1.0),  # linear: doubling the data doubles the time
        ([1.0, 4.0, 16.0, 64.0], 2.0),  # quadratic
        ([40.0, 40.0, 40.0, 40.0], 0.0),  # fixed cost only
    ],
)
def test_exponent_of_exact_powers(seconds, expected):
    assert exponent(SCALES, seconds) == pytest.approx(expected)


def test_exponent_is_the_least_squares_slope():
    # log2 x = -1, 0, 1, 2 (mean 0.5); log2 y = 0, 0, 2, 2 (mean 1):
    # slope = sum((x - 0.5)(y - 1)) / sum((x - 0.5)^2) = (1.5 + 0.5 + 0.5 + 1.5) / 5 = 0.8
    assert exponent(SCALES, [1.0, 1.0, 4.0, 4.0]) == pytest.approx(0.8)


def test_a_failed_scale_is_reported_and_left_out_of_the_fit():
    points = [
        Point(0.5, 10.0, 1.0, 1000, Peaks(tree=1000, python=400, descendants=600)),
        Point(1.0, 20.0, 2.0, 2000, Peaks(tree=2000, python=400, descendants=1600)),
        Point(2.0, None, 4.0, 0, None, "SocketAuthServer (exit 1)"),
    ]
    figures = {what.strip(): (value, note) for what, value, note in _figures(points)}
    assert figures["backfill Jan-Oct at SCALE 2 (cold process)"] == (
        "failed",
        "SocketAuthServer (exit 1)",
    )
    assert figures["growth exponent: time ~ SCALE^k"][0] == "1.00"
    assert figures["growth exponent: peak memory ~ SCALE^k"][0] == "1.00"
    # The Python driver's peak, apart: flat here, so its exponent is 0.
    python_driver = figures["growth exponent: Python driver's peak ~ SCALE^k"]
    assert python_driver[0] == "0.00"
    assert python_driver[1].startswith("400 MB at SCALE 0.5, 400 MB at SCALE 1;")
    assert figures["backfill Jan-Oct at SCALE 0.5 (cold process)"][1].startswith(
        "10.0 x baseline (1.0 s); 100 rows/s; peak 1000 MB (Python driver 400 MB, JVM 600 MB)"
    )


def test_a_scale_whose_tables_differ_from_the_oracle_says_so():
    peak = Peaks(tree=1000, python=400, descendants=600)
    points = [
        Point(1.0, 20.0, 2.0, 2000, peak),
        Point(2.0, 40.0, 4.0, 4000, peak, differences=("backlog_daily: 3 rows, the oracle 4",)),
    ]
    notes = {what: note for what, _, note in _figures(points)}
    assert notes["backfill Jan-Oct at SCALE 1 (cold process)"].endswith("KPIs match the oracle")
    assert notes["backfill Jan-Oct at SCALE 2 (cold process)"].endswith(
        "1 differ from the oracle, first backlog_daily: 3 rows, the oracle 4"
    )
