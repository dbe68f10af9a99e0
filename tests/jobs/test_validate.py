"""Valid rows and reason codes (docs/data-contract.md "A valid row"; rows_in = accepted + rejected).

All records belong to the file of 2025-03-01, i.e. updated_at must fall in
[2025-02-28T18:30:00Z, 2025-03-01T18:30:00Z) (IST = UTC+05:30).
"""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.transforms import validate

from .conftest import TZ, raw, raw_frame, rows_of, utc

pytestmark = pytest.mark.spark

DAY = "2025-03-01"
C, U = "2025-03-01T04:00:00Z", "2025-03-01T05:00:00Z"  # a valid created_at <= updated_at


def r(line, **kw):
    """A valid record of DAY whose fields `kw` override; ticket id L<line>."""
    fields = dict(
        ticket_id=f"L{line:02d}", created_at=C, updated_at=U, status="open", priority="normal"
    )
    fields.update(kw)
    return raw(
        DAY,
        line,
        fields.pop("ticket_id"),
        fields.pop("created_at"),
        fields.pop("updated_at"),
        fields.pop("status"),
        fields.pop("priority"),
        **fields,
    )


# line -> (record, expected reason codes); an empty set means accepted.
CASES = {
    1: (r(1), set()),
    2: (r(2, ticket_id=" L02 ", status=" Open ", priority="HIGH", csat_score=" 1 "), set()),
    3: (r(3, ticket_id=""), {"missing_ticket_id"}),
    4: (r(4, ticket_id="   "), {"missing_ticket_id"}),
    5: (r(5, created_at="not-a-date"), {"bad_created_at"}),
    6: (r(6, created_at=""), {"bad_created_at"}),
    7: (r(7, created_at="2025-02-30T10:00:00Z"), {"bad_created_at"}),  # no Feb 30
    8: (r(8, updated_at="2025-03-01 05:00"), {"bad_updated_at"}),
    9: (r(9, updated_at=""), {"bad_updated_at"}),
    10: (r(10, updated_at="2025-02-29T05:00:00Z"), {"bad_updated_at"}),  # 2025 not leap
    11: (r(11, status="reopened"), {"unknown_status"}),
    12: (r(12, status=""), {"unknown_status"}),
    13: (r(13, priority="p1"), {"unknown_priority"}),
    14: (r(14, priority=""), {"unknown_priority"}),
    15: (r(15, created_at=U, updated_at=C), {"updated_before_created"}),  # 05:00 > 04:00
    16: (r(16, status="solved", solved_at="2025-03-01T03:00:00Z"), {"solved_before_created"}),
    17: (r(17, status="solved", solved_at="yesterday"), {"bad_solved_at"}),
    18: (r(18, first_response_at="soon"), {"bad_first_response_at"}),
    19: (r(19, first_response_at="2025-13-01T00:00:00Z"), {"bad_first_response_at"}),
    20: (r(20, reopen_count="-1"), {"bad_reopen_count"}),
    21: (r(21, reopen_count="two"), {"bad_reopen_count"}),
    22: (r(22, csat_score="0"), {"bad_csat_score"}),
    23: (r(23, csat_score="6"), {"bad_csat_score"}),
    24: (r(24, csat_score="4.5"), {"bad_csat_score"}),
    # 18:40Z on Mar 1 = 00:10 IST on Mar 2: outside the file of Mar 1
    25: (r(25, updated_at="2025-03-01T18:40:00Z"), {"outside_day"}),
    # 18:29:59Z on Feb 28 = 23:59:59 IST on Feb 28
    26: (
        r(26, created_at="2025-02-28T18:00:00Z", updated_at="2025-02-28T18:29:59Z"),
        {"outside_day"},
    ),
    # 18:30:00Z on Feb 28 = 00:00:00 IST on Mar 1: first instant of the day
    27: (r(27, created_at="2025-02-28T18:00:00Z", updated_at="2025-02-28T18:30:00Z"), set()),
    28: (r(28, corrupt='L28,2025-03-01T04:00:00Z,"unterminated'), {"malformed_row"}),
    29: (
        r(29, status="reopened", priority="p1", csat_score="9"),
        {"unknown_status", "unknown_priority", "bad_csat_score"},
    ),
    # closed, csat at the top of 1-5, reopen_count 0, first response in the day
    30: (
        r(
            30,
            status="Solved",
            first_response_at="2025-03-01T04:30:00Z",
            solved_at="2025-03-01T05:00:00Z",
            reopen_count="0",
            csat_score="5",
        ),
        set(),
    ),
    # edges: created_at == updated_at == solved_at is valid (<= and >=)
    31: (r(31, created_at=C, updated_at=C, status="closed", solved_at=C), set()),
    # 18:29:59Z on Mar 1 = 23:59:59 IST on Mar 1: last instant of the day
    32: (r(32, updated_at="2025-03-01T18:29:59Z"), set()),
    # empty optional fields are fine: no first response, no solved_at, no reopen_count/csat
    33: (r(33, reopen_count="", csat_score="  "), set()),
    # clock times that do not exist, in the contract's shape
    34: (r(34, first_response_at="2025-03-01T24:00:00Z"), {"bad_first_response_at"}),
    35: (r(35, first_response_at="2025-03-01T04:60:00Z"), {"bad_first_response_at"}),
    36: (r(36, first_response_at="2025-03-01T04:30:60Z"), {"bad_first_response_at"}),
    # other shapes a timestamp parser would take: fractions, an offset, a lower-case t
    37: (r(37, first_response_at="2025-03-01T04:30:00.5Z"), {"bad_first_response_at"}),
    38: (r(38, first_response_at="2025-03-01T04:30:00+00:00"), {"bad_first_response_at"}),
    39: (r(39, first_response_at="2025-03-01t04:30:00Z"), {"bad_first_response_at"}),
}
ACCEPTED = sorted(line for line, (_, reasons) in CASES.items() if not reasons)
# 39 records; accepted lines 1, 2, 27, 30, 31, 32, 33 = 7; rejected 39 - 7 = 32


@pytest.fixture(scope="module")
def checked(spark):
    frame = validate.check(raw_frame(spark, [rec for rec, _ in CASES.values()]), TZ)
    frame = frame.localCheckpoint()
    return {
        "checked": {row["line_number"]: row for row in rows_of(frame, "line_number")},
        "valid": rows_of(validate.valid_rows(frame), "line_number"),
        "rejected": rows_of(validate.rejected_rows(frame), "line_number"),
        "landed": rows_of(validate.landed_rows(frame), "line_number"),
        "counts": rows_of(validate.day_counts(frame), "business_date"),
    }


@pytest.mark.parametrize("line", sorted(CASES))
def test_reason_codes(checked, line):
    assert set(checked["checked"][line]["reasons"]) == CASES[line][1]


def test_reason_codes_are_not_repeated(checked):
    for line, row in checked["checked"].items():
        assert len(row["reasons"]) == len(set(row["reasons"])), line


def test_valid_rows_are_exactly_the_rows_without_reasons(checked):
    assert [v["line_number"] for v in checked["valid"]] == ACCEPTED  # [1, 2, 27, 30, 31, 32, 33]


def test_valid_rows_are_trimmed_and_typed(checked):
    valid = {v["line_number"]: v for v in checked["valid"]}
    two = valid[2]
    assert two["ticket_id"] == "L02"  # " L02 " trimmed
    assert two["status"] == "open"  # " Open " trimmed, lower-cased
    assert two["priority"] == "high"  # "HIGH" lower-cased
    assert two["csat_score"] == 1  # " 1 " -> 1
    assert two["created_at"] == utc(C) and two["updated_at"] == utc(U)
    assert two["business_date"] == dt.date(2025, 3, 1)
    thirty = valid[30]
    assert thirty["status"] == "solved"  # "Solved"
    assert thirty["first_response_at"] == utc("2025-03-01T04:30:00Z")
    assert thirty["solved_at"] == utc("2025-03-01T05:00:00Z")
    assert (thirty["reopen_count"], thirty["csat_score"]) == (0, 5)
    empty = valid[33]
    assert (empty["reopen_count"], empty["csat_score"], empty["agent_id"]) == (None, None, None)
    assert (empty["first_response_at"], empty["solved_at"]) == (None, None)


def test_rejected_rows_keep_the_record_as_landed(checked):
    rejected = {q["line_number"]: q for q in checked["rejected"]}
    assert sorted(rejected) == sorted(set(CASES) - set(ACCEPTED))  # 26 lines
    assert rejected[4]["ticket_id"] == "   "  # as landed, not trimmed
    assert rejected[11]["status"] == "reopened"
    assert rejected[24]["csat_score"] == "4.5"
    assert set(rejected[29]["reasons"]) == CASES[29][1]
    assert rejected[28]["raw_record"] == 'L28,2025-03-01T04:00:00Z,"unterminated'
    assert rejected[3]["source_uri"].endswith("dt=2025-03-01/tickets_2025-03-01.csv")
    assert rejected[3]["business_date"] == dt.date(2025, 3, 1)


def test_every_row_lands_and_rows_in_is_accepted_plus_rejected(checked):
    assert [x["line_number"] for x in checked["landed"]] == sorted(CASES)  # all 39
    assert checked["landed"][1]["status"] == " Open "  # landed as is
    assert checked["counts"] == [
        {"business_date": dt.date(2025, 3, 1), "rows_in": 39, "rows_rejected": 32}
    ]
    assert len(checked["valid"]) + len(checked["rejected"]) == 39  # 7 + 32
