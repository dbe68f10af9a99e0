"""Hand-made extracts shared by the metric tests; the expected numbers live in the tests.

IST = UTC+05:30. Business day D covers [(D-1)T18:30Z, DT18:30Z); end(D) = DT18:30Z.
Resolution targets: urgent 4 h, high 24 h, normal 72 h, low 168 h.
"""

from __future__ import annotations

from .conftest import fact, raw

# --------------------------------------------------------------------------------------
# MARCH: days 2025-03-05 (D1), 2025-03-06 (D2), 2025-03-07 (D3), with a prior state
# (the state after 2025-03-04).
# --------------------------------------------------------------------------------------
MARCH_DAYS = ["2025-03-05", "2025-03-06", "2025-03-07"]

MARCH_PRIOR = [
    # S3: open high ticket of a2, reopen_count 0 before D1.
    fact(
        ticket_id="S3",
        created_at="2025-03-04T10:00:00Z",
        updated_at="2025-03-04T12:00:00Z",
        status="open",
        priority="high",
        agent_id="a2",
        first_response_at="2025-03-04T12:00:00Z",
        reopen_count=0,
        created_date="2025-03-04",
        is_open=True,
        first_response_minutes=120.0,
        sla_due_at="2025-03-05T10:00:00Z",
        last_business_date="2025-03-04",
    ),
    # S4: open normal ticket of a2, already reopened twice.
    fact(
        ticket_id="S4",
        created_at="2025-03-02T02:00:00Z",
        updated_at="2025-03-04T09:00:00Z",
        status="open",
        priority="normal",
        agent_id="a2",
        first_response_at="2025-03-02T03:00:00Z",
        reopen_count=2,
        created_date="2025-03-02",
        is_open=True,
        first_response_minutes=60.0,
        sla_due_at="2025-03-05T02:00:00Z",
        last_business_date="2025-03-04",
    ),
    # S5: pending low ticket, unassigned, reopened once.
    fact(
        ticket_id="S5",
        created_at="2025-03-01T06:00:00Z",
        updated_at="2025-03-03T06:00:00Z",
        status="pending",
        priority="low",
        reopen_count=1,
        created_date="2025-03-01",
        is_open=True,
        sla_due_at="2025-03-08T06:00:00Z",
        last_business_date="2025-03-03",
    ),
    # P1: open normal ticket of a4, never touched during the run.
    fact(
        ticket_id="P1",
        created_at="2025-03-03T04:00:00Z",
        updated_at="2025-03-03T05:00:00Z",
        status="open",
        priority="normal",
        agent_id="a4",
        reopen_count=0,
        created_date="2025-03-03",
        is_open=True,
        sla_due_at="2025-03-06T04:00:00Z",
        last_business_date="2025-03-03",
    ),
    # Q1: closed long ago, also a4's: neither backlog nor a4's open tickets.
    fact(
        ticket_id="Q1",
        created_at="2025-02-20T04:00:00Z",
        updated_at="2025-02-21T04:00:00Z",
        status="closed",
        priority="normal",
        agent_id="a4",
        solved_at="2025-02-21T04:00:00Z",
        reopen_count=0,
        created_date="2025-02-20",
        is_open=False,
        resolution_hours=24.0,
        sla_due_at="2025-02-23T04:00:00Z",
        sla_breached=False,
        last_business_date="2025-02-21",
    ),
]

D1, D2, D3 = MARCH_DAYS
MARCH_RAW = [
    # ---- D1 = 2025-03-05: [2025-03-04T18:30Z, 2025-03-05T18:30Z) -------------------
    # duplicate of C1 with an earlier updated_at: not its version
    raw(D1, 1, "C1", "2025-03-04T18:30:00Z", "2025-03-04T18:30:00Z", "new", "normal"),
    raw(
        D1,
        2,
        "S1",
        "2025-03-05T08:00:00Z",
        "2025-03-05T10:00:00Z",
        "solved",
        "urgent",
        agent_id="a1",
        first_response_at="2025-03-05T08:30:00Z",
        solved_at="2025-03-05T10:00:00Z",
        csat_score="5",
    ),
    raw(
        D1,
        3,
        "S2",
        "2025-03-05T05:00:00Z",
        "2025-03-05T10:00:00Z",
        "closed",
        "urgent",
        agent_id="a1",
        first_response_at="2025-03-05T06:00:00Z",
        solved_at="2025-03-05T10:00:00Z",
        csat_score="2",
    ),
    raw(
        D1,
        4,
        "S3",
        "2025-03-04T10:00:00Z",
        "2025-03-05T10:00:00Z",
        "solved",
        "high",
        agent_id="a2",
        first_response_at="2025-03-04T12:00:00Z",
        solved_at="2025-03-05T10:00:00Z",
        reopen_count="1",
    ),
    raw(
        D1,
        5,
        "S4",
        "2025-03-02T02:00:00Z",
        "2025-03-05T10:00:00Z",
        "solved",
        "normal",
        agent_id="a2",
        first_response_at="2025-03-02T03:00:00Z",
        solved_at="2025-03-05T10:00:00Z",
        reopen_count="2",
        csat_score="4",
    ),
    raw(
        D1,
        6,
        "S5",
        "2025-03-01T06:00:00Z",
        "2025-03-05T10:00:00Z",
        "solved",
        "low",
        solved_at="2025-03-05T10:00:00Z",
        reopen_count="1",
        csat_score="3",
    ),
    raw(
        D1,
        7,
        "C1",
        "2025-03-04T18:30:00Z",
        "2025-03-05T09:00:00Z",
        "open",
        "normal",
        agent_id="a1",
        first_response_at="2025-03-04T19:45:00Z",
        csat_score="1",
    ),
    raw(D1, 8, "C2", "2025-03-05T18:20:00Z", "2025-03-05T18:25:00Z", "new", "low"),
    raw(
        D1,
        9,
        "C3",
        "2025-03-04T18:20:00Z",
        "2025-03-04T18:40:00Z",
        "open",
        "high",
        agent_id="a3",
        first_response_at="2025-03-04T18:25:00Z",
        reopen_count="1",
    ),
    raw(
        D1, 10, "X", "2025-03-05T06:31:00Z", "2025-03-05T07:00:00Z", "open", "normal", agent_id="a1"
    ),
    # rejected (unknown status): must not count as created
    raw(
        D1,
        11,
        "Z1",
        "2025-03-05T01:00:00Z",
        "2025-03-05T01:00:00Z",
        "bogus",
        "normal",
        agent_id="a9",
    ),
    # ---- D2 = 2025-03-06: [2025-03-05T18:30Z, 2025-03-06T18:30Z) -------------------
    raw(
        D2,
        1,
        "C1",
        "2025-03-04T18:30:00Z",
        "2025-03-06T12:00:00Z",
        "solved",
        "normal",
        agent_id="a1",
        first_response_at="2025-03-04T19:45:00Z",
        solved_at="2025-03-06T12:00:00Z",
        csat_score="4",
    ),
    # rejected (outside_day: 18:40Z = 00:10 IST on Mar 7) though its updated_at is greatest
    raw(
        D2,
        2,
        "C1",
        "2025-03-04T18:30:00Z",
        "2025-03-06T18:40:00Z",
        "closed",
        "normal",
        agent_id="a9",
        first_response_at="2025-03-04T19:45:00Z",
        solved_at="2025-03-06T12:00:00Z",
        csat_score="4",
    ),
    raw(
        D2,
        3,
        "C2",
        "2025-03-05T18:20:00Z",
        "2025-03-06T14:20:00Z",
        "solved",
        "low",
        agent_id="a3",
        first_response_at="2025-03-05T18:50:00Z",
        solved_at="2025-03-06T14:20:00Z",
    ),
    raw(D2, 4, "W1", "2025-03-06T06:00:00Z", "2025-03-06T06:00:00Z", "new", "urgent"),
    # tie on updated_at: the later line (6) is the version
    raw(
        D2,
        5,
        "W1",
        "2025-03-06T06:00:00Z",
        "2025-03-06T12:00:00Z",
        "solved",
        "urgent",
        agent_id="a1",
        first_response_at="2025-03-06T06:10:00Z",
        solved_at="2025-03-06T12:00:00Z",
        csat_score="3",
    ),
    raw(
        D2,
        6,
        "W1",
        "2025-03-06T06:00:00Z",
        "2025-03-06T12:00:00Z",
        "solved",
        "urgent",
        agent_id="a2",
        first_response_at="2025-03-06T06:10:00Z",
        solved_at="2025-03-06T12:00:00Z",
        csat_score="1",
    ),
    # solved at 18:31Z on Mar 5 = 00:01 IST on Mar 6: solved on D2
    raw(
        D2,
        7,
        "X",
        "2025-03-05T06:31:00Z",
        "2025-03-05T18:31:00Z",
        "solved",
        "normal",
        agent_id="a1",
        first_response_at="2025-03-05T07:31:00Z",
        solved_at="2025-03-05T18:31:00Z",
        csat_score="5",
    ),
    raw(
        D2,
        8,
        "S3",
        "2025-03-04T10:00:00Z",
        "2025-03-06T03:00:00Z",
        "open",
        "high",
        agent_id="a2",
        first_response_at="2025-03-04T12:00:00Z",
        reopen_count="2",
    ),
    # ---- D3 = 2025-03-07: [2025-03-06T18:30Z, 2025-03-07T18:30Z) -------------------
    raw(D3, 1, "N1", "2025-03-07T01:00:00Z", "2025-03-07T01:00:00Z", "new", "urgent"),
    # S1 goes solved -> closed; solved_at stays on D1, so it is not solved(D3)
    raw(
        D3,
        2,
        "S1",
        "2025-03-05T08:00:00Z",
        "2025-03-07T02:00:00Z",
        "closed",
        "urgent",
        agent_id="a1",
        first_response_at="2025-03-05T08:30:00Z",
        solved_at="2025-03-05T10:00:00Z",
        csat_score="5",
    ),
    # rejected (missing ticket_id)
    raw(D3, 3, " ", "2025-03-07T01:00:00Z", "2025-03-07T02:00:00Z", "open", "low"),
]

# --------------------------------------------------------------------------------------
# APRIL: the backlog over 2025-04-01 (E1), 2025-04-02 (E2), 2025-04-03 (E3).
# end(E1) = 2025-04-01T18:30Z, end(E2) = 2025-04-02T18:30Z, end(E3) = 2025-04-03T18:30Z.
# --------------------------------------------------------------------------------------
APRIL_DAYS = ["2025-04-01", "2025-04-02", "2025-04-03"]
E1, E2, E3 = APRIL_DAYS

APRIL_PRIOR = [
    fact(
        ticket_id="PB",
        created_at="2025-03-30T06:00:00Z",
        updated_at="2025-03-31T06:00:00Z",
        status="open",
        priority="normal",
        agent_id="b1",
        reopen_count=0,
        created_date="2025-03-30",
        is_open=True,
        sla_due_at="2025-04-02T06:00:00Z",
        last_business_date="2025-03-31",
    ),
    fact(
        ticket_id="PC",
        created_at="2025-03-25T06:00:00Z",
        updated_at="2025-03-31T07:00:00Z",
        status="hold",
        priority="low",
        agent_id="b2",
        reopen_count=0,
        created_date="2025-03-25",
        is_open=True,
        sla_due_at="2025-04-01T06:00:00Z",
        last_business_date="2025-03-31",
    ),
]


def _u(
    day: str, line: int, tid: str, created: str, updated: str, status: str, priority: str, **kw
) -> dict:
    return raw(day, line, tid, created, updated, status, priority, **kw)


APRIL_RAW = [
    # ---- E1 ------------------------------------------------------------------------
    _u(
        E1,
        1,
        "PB",
        "2025-03-30T06:00:00Z",
        "2025-04-01T06:00:00Z",
        "solved",
        "normal",
        agent_id="b1",
        solved_at="2025-04-01T06:00:00Z",
    ),
    _u(E1, 2, "B0", "2025-03-31T18:30:00Z", "2025-04-01T06:00:00Z", "new", "urgent", agent_id="b1"),
    _u(
        E1,
        3,
        "B0b",
        "2025-03-31T18:30:01Z",
        "2025-04-01T06:00:00Z",
        "open",
        "normal",
        agent_id="b1",
    ),
    _u(
        E1,
        4,
        "B3",
        "2025-03-29T18:30:00Z",
        "2025-04-01T06:00:00Z",
        "pending",
        "normal",
        agent_id="b2",
    ),
    _u(E1, 5, "B7", "2025-03-25T18:30:00Z", "2025-04-01T06:00:00Z", "hold", "low"),
    _u(E1, 6, "B14", "2025-03-18T18:30:00Z", "2025-04-01T06:00:00Z", "open", "high"),
    _u(E1, 7, "B29", "2025-03-02T18:30:01Z", "2025-04-01T06:00:00Z", "open", "low"),
    _u(E1, 8, "B30", "2025-03-02T18:30:00Z", "2025-04-01T06:00:00Z", "open", "low"),
    _u(
        E1,
        9,
        "BS",
        "2025-04-01T01:00:00Z",
        "2025-04-01T03:00:00Z",
        "solved",
        "normal",
        solved_at="2025-04-01T03:00:00Z",
    ),
    # ---- E2 ------------------------------------------------------------------------
    _u(
        E2,
        1,
        "B0",
        "2025-03-31T18:30:00Z",
        "2025-04-02T06:00:00Z",
        "solved",
        "urgent",
        agent_id="b1",
        solved_at="2025-04-02T06:00:00Z",
    ),
    _u(
        E2, 2, "B3", "2025-03-29T18:30:00Z", "2025-04-02T07:00:00Z", "open", "normal", agent_id="b2"
    ),
    _u(
        E2,
        3,
        "B7",
        "2025-03-25T18:30:00Z",
        "2025-04-02T06:00:00Z",
        "solved",
        "low",
        solved_at="2025-04-02T06:00:00Z",
    ),
    _u(
        E2,
        4,
        "PB",
        "2025-03-30T06:00:00Z",
        "2025-04-02T06:00:00Z",
        "open",
        "normal",
        agent_id="b1",
        reopen_count="1",
    ),
    _u(E2, 5, "N2", "2025-04-02T05:00:00Z", "2025-04-02T05:00:00Z", "open", "high"),
    # ---- E3 ------------------------------------------------------------------------
    _u(
        E3,
        1,
        "B14",
        "2025-03-18T18:30:00Z",
        "2025-04-03T06:00:00Z",
        "closed",
        "high",
        solved_at="2025-04-03T06:00:00Z",
    ),
    _u(
        E3,
        2,
        "B29",
        "2025-03-02T18:30:01Z",
        "2025-04-03T06:00:00Z",
        "closed",
        "low",
        solved_at="2025-04-03T06:00:00Z",
    ),
    _u(
        E3,
        3,
        "B30",
        "2025-03-02T18:30:00Z",
        "2025-04-03T06:00:00Z",
        "solved",
        "low",
        solved_at="2025-04-03T06:00:00Z",
    ),
    _u(E3, 4, "N3", "2025-04-03T05:00:00Z", "2025-04-03T05:00:00Z", "new", "urgent"),
    _u(
        E3,
        5,
        "NS",
        "2025-04-03T01:00:00Z",
        "2025-04-03T02:00:00Z",
        "solved",
        "low",
        solved_at="2025-04-03T02:00:00Z",
    ),
    # PC: in the prior state, untouched on E1 and E2, solved on E3
    _u(
        E3,
        6,
        "PC",
        "2025-03-25T06:00:00Z",
        "2025-04-03T06:00:00Z",
        "solved",
        "low",
        agent_id="b2",
        solved_at="2025-04-03T06:00:00Z",
    ),
]
