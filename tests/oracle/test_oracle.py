"""Tests of the oracle itself: small extracts whose numbers are worked out by hand.

Business time zone Asia/Kolkata = UTC+05:30, so business day D runs from
(D-1)T18:30:00Z to DT18:30:00Z and end(D) = DT18:30:00Z.
Resolution targets: urgent 4 h, high 24 h, normal 72 h, low 168 h.
"""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from jobs import config

from . import extract_path, recompute, rejected_rows
from ._reference import reference

HEADER = (
    "ticket_id,created_at,updated_at,status,priority,category,channel,team,agent_id,"
    "customer_id,customer_tier,subject,first_response_at,solved_at,reopen_count,csat_score"
)
TARGETS = {"urgent": 4.0, "high": 24.0, "normal": 72.0, "low": 168.0}


def make_settings(time_zone: str = "Asia/Kolkata") -> config.Settings:
    base = config.load("local")
    return dataclasses.replace(
        base,
        time_zone=time_zone,
        sla=config.SlaPolicy(
            first_response_hours={"urgent": 1.0, "high": 4.0, "normal": 8.0, "low": 24.0},
            resolution_hours=dict(TARGETS),
        ),
    )


SETTINGS = make_settings()


def rec(
    tid,
    created,
    updated,
    status="open",
    priority="normal",
    *,
    agent="",
    first_response="",
    solved="",
    reopen="",
    csat="",
    subject="help",
) -> str:
    """One extract line (fields must not need quoting; write quoted ones by hand)."""
    return ",".join(
        [
            tid,
            created,
            updated,
            status,
            priority,
            "billing",
            "email",
            "tier1",
            agent,
            "cust-1",
            "standard",
            subject,
            first_response,
            solved,
            reopen,
            csat,
        ]
    )


def write_days(landing: Path, days: dict[date, list[str]], bom: bool = False) -> None:
    for day, lines in days.items():
        path = extract_path(landing, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = ("\ufeff" if bom else "") + "\r\n".join([HEADER, *lines]) + "\r\n"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)


def row(frame: pd.DataFrame, **key) -> dict:
    selected = frame
    for column, value in key.items():
        selected = selected[selected[column] == value]
    assert len(selected) == 1, f"expected one row for {key}, got {len(selected)}"
    return selected.iloc[0].to_dict()


def check(actual: dict, expected: dict) -> None:
    """Every expected column: None means null; floats compared to 1e-9 relative."""
    for column, want in expected.items():
        got = actual[column]
        if want is None:
            assert pd.isna(got), f"{column}: expected null, got {got!r}"
        elif isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9), f"{column}: {got!r} != {want!r}"
        else:
            assert got == want, f"{column}: {got!r} != {want!r}"


D1, D2, D3, D4, D5 = (date(2025, 3, d) for d in range(1, 6))


# --- the business day boundary ---------------------------------------------------------------


def test_business_day_boundary(tmp_path):
    write_days(
        tmp_path,
        {
            D1: [
                # 18:20Z = 23:50 IST Mar 1: created on Mar 1.
                rec("A", "2025-03-01T18:20:00Z", "2025-03-01T18:20:00Z", "new"),
                # updated 18:40Z = 00:10 IST Mar 2, in Mar 1's file: outside the day.
                rec("B", "2025-03-01T18:20:00Z", "2025-03-01T18:40:00Z", "open"),
                # 2025-02-28T18:30:00Z = 00:00 IST Mar 1: the first instant of Mar 1.
                rec("C", "2025-02-28T18:30:00Z", "2025-02-28T18:30:00Z", "new"),
                # 2025-02-28T18:29:59Z = 23:59:59 IST Feb 28: outside Mar 1.
                rec("E", "2025-02-28T18:29:59Z", "2025-02-28T18:29:59Z", "new"),
            ],
            D2: [
                # B is valid in Mar 2's file; created 23:50 IST Mar 1: not created(Mar 2).
                rec("B", "2025-03-01T18:20:00Z", "2025-03-01T18:40:00Z", "open"),
                # 2025-03-01T18:30:00Z = 00:00 IST Mar 2: created(Mar 2).
                rec("D", "2025-03-01T18:30:00Z", "2025-03-01T18:30:00Z", "new"),
                # created 23:30 IST Mar 1, solved 00:05 IST Mar 2: solved(Mar 2), TAT 35 min.
                rec(
                    "F",
                    "2025-03-01T18:00:00Z",
                    "2025-03-01T18:35:00Z",
                    "solved",
                    "urgent",
                    solved="2025-03-01T18:35:00Z",
                    agent="ag1",
                ),
            ],
        },
    )
    out = recompute(tmp_path, D1, D2, SETTINGS)

    assert out["day_counts"].to_dict("records") == [
        {"business_date": D1, "rows_in": 4, "rows_accepted": 2, "rows_rejected": 2},
        {"business_date": D2, "rows_in": 3, "rows_accepted": 3, "rows_rejected": 0},
    ]
    check(
        row(out["features_daily"], business_date=D1),
        {"tickets_created": 2, "tickets_solved": 0, "tat_p50_hours": None, "sla_breach_pct": None},
    )
    check(
        row(out["features_daily"], business_date=D2),
        {
            "tickets_created": 1,
            "tickets_solved": 1,
            "tat_avg_hours": 35 / 60,
            "tat_p50_hours": 35 / 60,
            "tat_p90_hours": 35 / 60,
            "sla_breach_pct": 0.0,
        },
    )
    # open after Mar 1: A, C; after Mar 2: A, C, B, D (F solved).
    check(row(out["backlog_daily"], business_date=D1), {"open_eod": 2, "entered_backlog": 2})
    check(
        row(out["backlog_daily"], business_date=D2),
        {"open_eod": 4, "entered_backlog": 2, "left_backlog": 0},
    )

    rejected = rejected_rows(tmp_path, D1, D2, SETTINGS)
    assert [
        (r.business_date, r.record_number, r.ticket_id, list(r.reasons))
        for r in rejected.itertuples()
    ] == [
        (D1, 2, "B", ["outside_day"]),
        (D1, 4, "E", ["outside_day"]),
    ]


# --- parsing and every validation rule ---------------------------------------------------------


CREATED = "2025-03-05T04:00:00Z"  # 09:30 IST Mar 5
UPDATED = "2025-03-05T05:00:00Z"  # 10:30 IST Mar 5

REJECTS = [
    # (ticket_id, line, reasons)
    ("R01", rec("  ", CREATED, UPDATED), ["missing_ticket_id"]),
    ("R02", rec("R02", "", UPDATED), ["bad_created_at"]),
    ("R03", rec("R03", "2025-03-05 04:00:00Z", UPDATED), ["bad_created_at"]),
    ("R04", rec("R04", "2025-02-30T04:00:00Z", UPDATED), ["bad_created_at"]),
    ("R05", rec("R05", "2025-02-29T04:00:00Z", UPDATED), ["bad_created_at"]),  # 2025: no leap day
    ("R06", rec("R06", "2025-3-05T04:00:00Z", UPDATED), ["bad_created_at"]),
    ("R07", rec("R07", "2025-03-05T04:60:00Z", UPDATED), ["bad_created_at"]),
    ("R08", rec("R08", "2025-13-05T04:00:00Z", UPDATED), ["bad_created_at"]),
    ("R09", rec("R09", CREATED, "2025-03-05T24:00:00Z"), ["bad_updated_at"]),
    ("R10", rec("R10", CREATED, "2025-03-05T05:00:00.000Z"), ["bad_updated_at"]),
    ("R11", rec("R11", CREATED, "2025-03-05T05:00:00+00:00"), ["bad_updated_at"]),
    ("R12", rec("R12", CREATED, "2025-03-05T05:00:60Z"), ["bad_updated_at"]),
    ("R13", rec("R13", CREATED, "2025-03-05t05:00:00z"), ["bad_updated_at"]),
    ("R14", rec("R14", CREATED, ""), ["bad_updated_at"]),
    ("R15", rec("R15", CREATED, UPDATED, "escalated"), ["unknown_status"]),
    ("R16", rec("R16", CREATED, UPDATED, " "), ["unknown_status"]),
    ("R17", rec("R17", CREATED, UPDATED, "open", "critical"), ["unknown_priority"]),
    ("R18", rec("R18", "2025-03-05T05:00:01Z", UPDATED), ["updated_before_created"]),
    ("R19", rec("R19", CREATED, UPDATED, "solved", solved="yesterday"), ["bad_solved_at"]),
    (
        "R20",
        rec("R20", CREATED, UPDATED, "solved", solved="2025-03-05T03:59:59Z"),
        ["solved_before_created"],
    ),
    (
        "R21",
        rec("R21", CREATED, UPDATED, first_response="2025-03-05T04:30Z"),
        ["bad_first_response_at"],
    ),
    ("R22", rec("R22", CREATED, UPDATED, reopen="-1"), ["bad_reopen_count"]),
    ("R23", rec("R23", CREATED, UPDATED, reopen="1.0"), ["bad_reopen_count"]),
    ("R24", rec("R24", CREATED, UPDATED, csat="0"), ["bad_csat_score"]),
    ("R25", rec("R25", CREATED, UPDATED, csat="6"), ["bad_csat_score"]),
    ("R26", rec("R26", CREATED, UPDATED, csat="five"), ["bad_csat_score"]),
    # 18:30:00Z = 00:00 IST Mar 6: the end of Mar 5 is exclusive.
    ("R27", rec("R27", CREATED, "2025-03-05T18:30:00Z"), ["outside_day"]),
    # truncated line: 4 fields instead of 16
    ("R28", f"R28,{CREATED},{UPDATED},open", ["malformed_row"]),
    # one field too many
    ("R29", rec("R29", CREATED, UPDATED) + ",extra", ["malformed_row"]),
    # DuckDB's strptime alone would accept these: the exact pattern must reject them
    ("R31", rec("R31", CREATED, "2025-03-05T5:00:00Z"), ["bad_updated_at"]),
    (
        "R32",
        rec("R32", CREATED, UPDATED, first_response="2025-03-05T04:30:0Z"),
        ["bad_first_response_at"],
    ),
    # year 0000 is not a real date (DuckDB would read it as 1 BC)
    ("R33", rec("R33", "0000-03-05T04:00:00Z", UPDATED), ["bad_created_at"]),
    # several defects at once
    (
        "R30",
        rec("R30", "2025-03-05T06:00:00Z", UPDATED, "Unknown", csat="9"),
        ["unknown_status", "updated_before_created", "bad_csat_score"],
    ),
]

ACCEPTS = [
    rec("V1", CREATED, UPDATED),
    # Padding (spaces, tabs, CR/LF inside quotes) is trimmed; enums are case-insensitive.
    f' V2\t,\t{CREATED} ,"{UPDATED}\r\n", Pending\t,HIGH,billing,email,tier1, ag7 ,'
    f"cust-1,standard,help,,, 0 , 4 ",
    # RFC 4180 subject: comma, doubled quotes, embedded newline, non-ASCII.
    f"V3,{CREATED},{UPDATED},open,low,billing,email,tier1,,cust-1,standard,"
    f'"Refund, ""ASAP""\nplease – café",,,,',
    # created_at == updated_at == solved_at is allowed (<= and >=).
    rec("V4", UPDATED, UPDATED, "Solved", "urgent", solved=UPDATED, csat="5"),
    # 2024-02-29 is a real date.
    rec("V5", "2024-02-29T10:00:00Z", UPDATED, "hold", "low"),
]


def test_parsing_and_every_rejection_rule(tmp_path):
    lines = [line for _, line, _ in REJECTS[:15]] + ACCEPTS + [line for _, line, _ in REJECTS[15:]]
    write_days(tmp_path, {D5: lines}, bom=True)  # the BOM must not hide the ticket_id column

    out = recompute(tmp_path, D5, D5, SETTINGS)
    # 33 rejects + 5 accepted records; V3's embedded newline does not split its record.
    assert out["day_counts"].to_dict("records") == [
        {"business_date": D5, "rows_in": 38, "rows_accepted": 5, "rows_rejected": 33}
    ]

    fact = out["fact_tickets"]
    assert list(fact["ticket_id"]) == ["V1", "V2", "V3", "V4", "V5"]
    check(
        row(fact, ticket_id="V2"),
        {
            "status": "pending",
            "priority": "high",
            "agent_id": "ag7",
            "reopen_count": 0,
            "csat_score": 4,
            "updated_at": pd.Timestamp(UPDATED),
            "is_open": True,
            "resolution_hours": None,
            "sla_breached": None,
            "last_business_date": D5,
        },
    )
    check(
        row(fact, ticket_id="V4"),
        {"status": "solved", "resolution_hours": 0.0, "sla_breached": False, "is_open": False},
    )
    assert pd.isna(row(fact, ticket_id="V1")["reopen_count"])

    rejected = rejected_rows(tmp_path, D5, D5, SETTINGS)
    by_number = {r.record_number: list(r.reasons) for r in rejected.itertuples()}
    # record numbers: 15 rejects, then 5 accepted, then the other 15 rejects
    numbers = list(range(1, 16)) + list(range(21, 39))
    assert by_number == {n: reasons for n, (_, _, reasons) in zip(numbers, REJECTS, strict=True)}


def test_unreadable_or_missing_extract(tmp_path):
    write_days(tmp_path, {D1: [rec("A", CREATED, UPDATED)]})
    with pytest.raises(FileNotFoundError, match="2025-03-02"):
        recompute(tmp_path, D1, D2, SETTINGS)
    path = extract_path(tmp_path, D1)
    path.write_text("id,created\r\nA,x\r\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        recompute(tmp_path, D1, D1, SETTINGS)


# --- versions: duplicates and ties --------------------------------------------------------------


def test_versions_duplicates_and_ties(tmp_path):
    write_days(
        tmp_path,
        {
            D5: [
                # T1: the greatest updated_at wins even though it is the earlier record.
                rec(
                    "T1",
                    "2025-03-05T08:00:00Z",
                    "2025-03-05T10:00:00Z",
                    "solved",
                    agent="ag1",
                    solved="2025-03-05T10:00:00Z",
                ),
                rec("T1", "2025-03-05T08:00:00Z", "2025-03-05T09:00:00Z", "open", agent="ag2"),
                # T2: same updated_at: the later record wins (pending, low, ag2).
                rec(
                    "T2",
                    "2025-03-05T07:00:00Z",
                    "2025-03-05T11:00:00Z",
                    "open",
                    "high",
                    agent="ag1",
                ),
                rec(
                    "T2",
                    "2025-03-05T07:00:00Z",
                    "2025-03-05T11:00:00Z",
                    "pending",
                    "low",
                    agent="ag2",
                ),
                # T3: an exact duplicate counts once.
                rec("T3", "2025-03-05T06:00:00Z", "2025-03-05T06:00:00Z", "new", "urgent"),
                rec("T3", "2025-03-05T06:00:00Z", "2025-03-05T06:00:00Z", "new", "urgent"),
            ]
        },
    )
    out = recompute(tmp_path, D5, D5, SETTINGS)

    check(row(out["day_counts"], business_date=D5), {"rows_in": 6, "rows_accepted": 6})
    check(
        row(out["features_daily"], business_date=D5),
        {"tickets_created": 3, "tickets_solved": 1, "tat_avg_hours": 2.0},
    )  # T1: 08:00 -> 10:00
    check(
        row(out["backlog_daily"], business_date=D5),
        {"open_eod": 2, "open_urgent": 1, "open_high": 0, "open_normal": 0, "open_low": 1},
    )
    load = out["daily_agent_load"]
    check(
        row(load, agent_id="ag1"),
        {
            "business_date": D5,
            "tickets_touched": 1,
            "tickets_solved": 1,
            "open_assigned_eod": 0,
            "tat_avg_hours": 2.0,
            "sla_breaches": 0,
        },
    )
    check(
        row(load, agent_id="ag2"),
        {"tickets_touched": 1, "tickets_solved": 0, "open_assigned_eod": 1, "tat_avg_hours": None},
    )
    assert len(load) == 2
    check(row(out["daily_ops_metrics"], business_date=D5), {"active_agents": 2})
    check(
        row(out["fact_tickets"], ticket_id="T2"),
        {"status": "pending", "priority": "low", "agent_id": "ag2"},
    )
    assert len(out["fact_tickets"]) == 3


# --- TAT percentiles, SLA per priority, first response, CSAT -------------------------------------


def test_tat_percentiles_sla_first_response_csat(tmp_path):
    solved = "2025-03-05T10:00:00Z"  # 15:30 IST Mar 5
    write_days(
        tmp_path,
        {
            D5: [
                # urgent, TAT 05:00 -> 10:00 = 5 h > 4 h: breached. First response +30 min.
                rec(
                    "S1",
                    "2025-03-05T05:00:00Z",
                    solved,
                    "solved",
                    "urgent",
                    agent="ag1",
                    solved=solved,
                    first_response="2025-03-05T05:30:00Z",
                    csat="5",
                ),
                # high, TAT Mar 4 10:00 -> Mar 5 10:00 = 24 h = target: not breached.
                # First response 2025-03-04T11:00Z = 16:30 IST Mar 4: not in Mar 5.
                rec(
                    "S2",
                    "2025-03-04T10:00:00Z",
                    solved,
                    "solved",
                    "high",
                    agent="ag2",
                    solved=solved,
                    first_response="2025-03-04T11:00:00Z",
                ),
                # normal, TAT Mar 2 09:00 -> Mar 5 10:00 = 73 h > 72 h: breached.
                # First response after 72 h = 4320 min.
                rec(
                    "S3",
                    "2025-03-02T09:00:00Z",
                    solved,
                    "closed",
                    "normal",
                    agent="ag1",
                    solved=solved,
                    first_response="2025-03-05T09:00:00Z",
                    csat="2",
                ),
                # low, TAT Feb 26 08:00 -> Mar 5 10:00 = 7 d 2 h = 170 h > 168 h: breached.
                rec(
                    "S4",
                    "2025-02-26T08:00:00Z",
                    solved,
                    "solved",
                    "low",
                    agent="ag2",
                    solved=solved,
                    csat="4",
                ),
                # closed today but solved_at 2025-03-04T12:00Z (17:30 IST Mar 4): not solved(Mar 5).
                rec(
                    "S5",
                    "2025-03-04T08:00:00Z",
                    "2025-03-05T09:00:00Z",
                    "closed",
                    "urgent",
                    agent="ag3",
                    solved="2025-03-04T12:00:00Z",
                    csat="1",
                ),
                # open with a solved_at in the day: not solved. Created Mar 5; response +45 min.
                rec(
                    "S6",
                    "2025-03-05T08:00:00Z",
                    "2025-03-05T09:30:00Z",
                    "open",
                    "high",
                    solved="2025-03-05T09:00:00Z",
                    first_response="2025-03-05T08:45:00Z",
                ),
            ]
        },
    )
    out = recompute(tmp_path, D5, D5, SETTINGS)

    # TATs sorted: 5, 24, 73, 170. avg = 272 / 4 = 68.
    # p50: position 0.5 * 3 = 1.5 -> 24 + 0.5 * (73 - 24) = 48.5
    # p90: position 0.9 * 3 = 2.7 -> 73 + 0.7 * (170 - 73) = 140.9
    # breaches S1, S3, S4: 3 / 4 = 75 %. First response: (30 + 4320 + 45) / 3 = 1465 min.
    check(
        row(out["features_daily"], business_date=D5),
        {
            "tickets_created": 2,  # S1, S6
            "tickets_solved": 4,
            "tickets_reopened": 0,
            "tat_avg_hours": 68.0,
            "tat_p50_hours": 48.5,
            "tat_p90_hours": 140.9,
            "first_response_avg_minutes": 1465.0,
            "sla_breach_pct": 75.0,
        },
    )
    # CSAT over solved(D) with a score: S1 5, S3 2, S4 4 -> 11 / 3 (S5's 1 is not solved(D)).
    check(
        row(out["daily_ops_metrics"], business_date=D5),
        {
            "tickets_created": 2,
            "tickets_solved": 4,
            "open_eod": 1,
            "sla_compliance_pct": 25.0,
            "tat_p50_hours": 48.5,
            "csat_avg": 11 / 3,
            "reopen_rate": 0.0,
            "active_agents": 3,
            "rows_ingested": 6,
            "rows_rejected": 0,
        },
    )
    # ag1: S1 (5 h, breached) + S3 (73 h, breached); ag2: S2 (24 h, ok) + S4 (170 h, breached).
    load = out["daily_agent_load"]
    assert list(load["agent_id"]) == ["ag1", "ag2", "ag3"]
    check(
        row(load, agent_id="ag1"),
        {"tickets_touched": 2, "tickets_solved": 2, "tat_avg_hours": 39.0, "sla_breaches": 2},
    )
    check(
        row(load, agent_id="ag2"),
        {"tickets_touched": 2, "tickets_solved": 2, "tat_avg_hours": 97.0, "sla_breaches": 1},
    )
    check(
        row(load, agent_id="ag3"),
        {
            "tickets_touched": 1,
            "tickets_solved": 0,
            "tat_avg_hours": None,
            "sla_breaches": 0,
            "open_assigned_eod": 0,
        },
    )
    fact = out["fact_tickets"].set_index("ticket_id")
    assert fact["sla_breached"].to_dict() == {
        "S1": True,
        "S2": False,
        "S3": True,
        "S4": True,
        "S5": False,  # closed, 08:00 -> 12:00 = 4 h = urgent target
        "S6": None,
    }  # open: null
    assert fact.loc["S4", "resolution_hours"] == 170.0
    assert fact.loc["S5", "resolution_hours"] == 4.0
    assert math.isnan(fact.loc["S6", "resolution_hours"])


# --- reopens, the backlog flow and agent load over several days ----------------------------------


def flow_days() -> dict[date, list[str]]:
    return {
        D1: [
            rec("K1", "2025-03-01T04:00:00Z", "2025-03-01T04:00:00Z", "new", "high"),
            rec("K2", "2025-03-01T05:00:00Z", "2025-03-01T06:00:00Z", "open", agent="ag1"),
            rec(
                "K3",
                "2025-03-01T07:00:00Z",
                "2025-03-01T09:00:00Z",
                "solved",
                "low",
                agent="ag2",
                solved="2025-03-01T09:00:00Z",
            ),
        ],
        D2: [
            # K3 reopened: reopen_count 1 > 0 (missing counts as 0).
            rec(
                "K3",
                "2025-03-01T07:00:00Z",
                "2025-03-02T05:00:00Z",
                "open",
                "low",
                agent="ag2",
                reopen="1",
            ),
            # K1 solved: Mar 1 04:00 -> Mar 2 06:00 = 26 h > 24 h (high): breached.
            rec(
                "K1",
                "2025-03-01T04:00:00Z",
                "2025-03-02T06:00:00Z",
                "solved",
                "high",
                agent="ag1",
                solved="2025-03-02T06:00:00Z",
            ),
            rec("K4", "2025-03-02T07:00:00Z", "2025-03-02T07:00:00Z", "new", "urgent"),
        ],
        D3: [
            # K3 solved again, reopen_count still 1: not reopened. 46 h < 168 h.
            rec(
                "K3",
                "2025-03-01T07:00:00Z",
                "2025-03-03T05:00:00Z",
                "solved",
                "low",
                agent="ag2",
                solved="2025-03-03T05:00:00Z",
                reopen="1",
            ),
            # K2 moves to ag2 and stays open.
            rec("K2", "2025-03-01T05:00:00Z", "2025-03-03T06:00:00Z", "pending", agent="ag2"),
            # never seen before with reopen_count 2 > 0: reopened.
            rec("K5", "2025-03-03T08:00:00Z", "2025-03-03T08:00:00Z", "new", "high", reopen="2"),
        ],
        D4: [
            # K3 reopened again (2 > 1), now unassigned.
            rec("K3", "2025-03-01T07:00:00Z", "2025-03-04T05:00:00Z", "open", "low", reopen="2"),
            # K4 closed: Mar 2 07:00 -> Mar 4 06:00 = 47 h > 4 h: breached.
            rec(
                "K4",
                "2025-03-02T07:00:00Z",
                "2025-03-04T06:00:00Z",
                "closed",
                "urgent",
                agent="ag1",
                solved="2025-03-04T06:00:00Z",
            ),
            # K2: solved at 07:00 then put on hold at 08:00; the version is the hold.
            rec(
                "K2",
                "2025-03-01T05:00:00Z",
                "2025-03-04T07:00:00Z",
                "solved",
                agent="ag1",
                solved="2025-03-04T07:00:00Z",
            ),
            rec("K2", "2025-03-01T05:00:00Z", "2025-03-04T08:00:00Z", "hold", agent="ag2"),
        ],
        D5: [],  # a day with no rows still has its rows
    }


def test_reopen_and_backlog_flow(tmp_path):
    write_days(tmp_path, flow_days())
    out = recompute(tmp_path, D1, D5, SETTINGS)

    backlog = out["backlog_daily"]
    cols = [
        "business_date",
        "open_eod",
        "open_urgent",
        "open_high",
        "open_normal",
        "open_low",
        "entered_backlog",
        "left_backlog",
    ]
    assert backlog[cols].values.tolist() == [
        # after Mar 1: K1 high, K2 normal
        [D1, 2, 0, 1, 1, 0, 2, 0],
        # K1 leaves; K3 (low) and K4 (urgent) enter: 2 + 2 - 1 = 3
        [D2, 3, 1, 0, 1, 1, 2, 1],
        # K3 leaves, K5 (high) enters, K2 stays: 3 + 1 - 1 = 3
        [D3, 3, 1, 1, 1, 0, 1, 1],
        # K4 leaves, K3 enters, K2 (hold) stays: 3 + 1 - 1 = 3
        [D4, 3, 0, 1, 1, 1, 1, 1],
        # nothing changes
        [D5, 3, 0, 1, 1, 1, 0, 0],
    ]
    previous = 0
    for r in backlog.itertuples():
        assert r.open_eod == previous + r.entered_backlog - r.left_backlog
        previous = r.open_eod

    features = out["features_daily"]
    cols = ["business_date", "tickets_created", "tickets_solved", "tickets_reopened"]
    assert features[cols].values.tolist() == [
        [D1, 3, 1, 0],  # K3 solved, reopen_count missing = 0
        [D2, 1, 1, 1],  # K4 created; K1 solved; K3 reopened
        [D3, 1, 1, 1],  # K5 created and "reopened" (2 > 0); K3 solved
        [D4, 0, 1, 1],  # K4 solved; K3 reopened; K2's version is the hold, not solved
        [D5, 0, 0, 0],
    ]
    check(row(features, business_date=D2), {"tat_avg_hours": 26.0, "sla_breach_pct": 100.0})
    check(row(features, business_date=D3), {"tat_avg_hours": 46.0, "sla_breach_pct": 0.0})
    check(
        row(features, business_date=D5),
        {
            "tat_avg_hours": None,
            "tat_p50_hours": None,
            "first_response_avg_minutes": None,
            "sla_breach_pct": None,
        },
    )
    ops = out["daily_ops_metrics"]
    assert ops["reopen_rate"].tolist()[:4] == [0.0, 1.0, 1.0, 1.0]
    assert pd.isna(ops["reopen_rate"].iloc[4]) and pd.isna(ops["sla_compliance_pct"].iloc[4])
    assert ops["active_agents"].tolist() == [2, 2, 1, 2, 0]
    assert ops["open_eod"].tolist() == [2, 3, 3, 3, 3]
    assert ops["rows_ingested"].tolist() == [3, 3, 3, 4, 0]
    assert ops["csat_avg"].isna().all()

    load = out["daily_agent_load"]
    cols = [
        "business_date",
        "agent_id",
        "tickets_touched",
        "tickets_solved",
        "open_assigned_eod",
        "sla_breaches",
    ]
    assert load[cols].values.tolist() == [
        [D1, "ag1", 1, 0, 1, 0],  # K2 open
        [D1, "ag2", 1, 1, 0, 0],  # K3 solved in 2 h
        [D2, "ag1", 1, 1, 1, 1],  # K1 solved (26 h, breached); K2 still open on ag1
        [D2, "ag2", 1, 0, 1, 0],  # K3 reopened on ag2
        # Mar 3: ag1 touched nothing and K2 moved to ag2: no ag1 row.
        [D3, "ag2", 2, 1, 1, 0],  # K3 solved, K2 pending
        [
            D4,
            "ag1",
            1,
            1,
            0,
            1,
        ],  # K4 closed (47 h, breached); K2's solved record is not the version
        [D4, "ag2", 1, 0, 1, 0],  # K2 hold
        [D5, "ag2", 0, 0, 1, 0],  # untouched, still holds K2 (K3, K5 unassigned)
    ]
    assert load["tat_avg_hours"].tolist()[:3] == [
        pytest.approx(v, nan_ok=True) for v in (math.nan, 2.0, 26.0)
    ]

    fact = out["fact_tickets"]
    cols = ["ticket_id", "status", "agent_id", "reopen_count", "is_open", "last_business_date"]
    assert fact[cols].astype(object).where(fact[cols].notna(), None).values.tolist() == [
        ["K1", "solved", "ag1", None, False, D2],
        ["K2", "hold", "ag2", None, True, D4],
        ["K3", "open", None, 2, True, D4],
        ["K4", "closed", "ag1", None, False, D4],
        ["K5", "new", None, 2, True, D3],
    ]
    check(
        row(fact, ticket_id="K4"),
        {
            "resolution_hours": 47.0,
            "sla_breached": True,
            "solved_at": pd.Timestamp("2025-03-04T06:00:00Z"),
            "created_at": pd.Timestamp("2025-03-02T07:00:00Z"),
        },
    )
    assert str(fact["created_at"].dtype) == "datetime64[us, UTC]"
    # reconciliation: the open tickets in fact_tickets are the last day's backlog
    assert int(fact["is_open"].sum()) == backlog["open_eod"].iloc[-1]


# --- age buckets and past due at the edges -------------------------------------------------------


def test_age_buckets_and_past_due_edges(tmp_path):
    # end(Mar 4) = 2025-03-04T18:30:00Z; end(Mar 5) = 2025-03-05T18:30:00Z.
    def g(tid, created, priority):
        return rec(tid, created, "2025-03-04T10:00:00Z", "open", priority)

    # fmt: off
    mar4 = [
        # ticket created                priority   age at end(Mar 4)   due: past due at end(Mar 4)?
        g("G01", "2025-03-03T18:30:01Z", "low"),     # 1d-1s  [0,1)    Mar 10: no
        g("G02", "2025-03-03T18:30:00Z", "normal"),  # 1d     [1,3)    Mar 6: no
        g("G03", "2025-03-01T18:30:01Z", "high"),    # 3d-1s  [1,3)    Mar 2: yes
        g("G04", "2025-03-01T18:30:00Z", "low"),     # 3d     [3,7)    Mar 8: no
        g("G05", "2025-02-25T18:30:00Z", "low"),     # 7d     [7,14)   = end(Mar 4): no
        g("G06", "2025-02-18T18:30:01Z", "low"),     # 14d-1s [7,14)   yes
        g("G07", "2025-02-18T18:30:00Z", "normal"),  # 14d    [14,30)  yes
        g("G08", "2025-02-02T18:30:01Z", "urgent"),  # 30d-1s [14,30)  yes
        g("G09", "2025-02-02T18:30:00Z", "high"),    # 30d    [30,)    yes
        g("G10", "2024-12-01T00:00:00Z", "normal"),  # 93d+   [30,)    yes
        # urgent, due 14:30 + 4 h = 18:30:00 = end(Mar 4): not past due; age 4 h
        rec("P1", "2025-03-04T14:30:00Z", "2025-03-04T15:00:00Z", "new", "urgent"),
        # due 18:29:59 < end(Mar 4): past due
        rec("P2", "2025-03-04T14:29:59Z", "2025-03-04T15:00:00Z", "new", "urgent"),
    ]
    # fmt: on
    write_days(tmp_path, {D4: mar4, D5: []})
    out = recompute(tmp_path, D4, D5, SETTINGS)
    cols = [
        "business_date",
        "open_eod",
        "open_urgent",
        "open_high",
        "open_normal",
        "open_low",
        "age_0_1d",
        "age_1_3d",
        "age_3_7d",
        "age_7_14d",
        "age_14_30d",
        "age_30d_plus",
        "open_past_due",
    ]
    assert out["backlog_daily"][cols].values.tolist() == [
        # urgent G08 P1 P2; high G03 G09; normal G02 G07 G10; low G01 G04 G05 G06
        # [0,1) G01 P1 P2; [1,3) G02 G03; [3,7) G04; [7,14) G05 G06; [14,30) G07 G08; [30,) G09 G10
        # past due: G03 G06 G07 G08 G09 G10 P2
        [D4, 12, 3, 2, 3, 4, 3, 2, 1, 2, 2, 2, 7],
        # one day older: [1,3) G01 G02 P1 P2 (28 h); [3,7) G03 G04; [7,14) G05; [14,30) G06 G07;
        # [30,) G08 G09 G10. Past due adds G05 (due = end(Mar 4)) and P1: 9.
        [D5, 12, 3, 2, 3, 4, 0, 4, 2, 1, 2, 3, 9],
    ]
    # created(Mar 4): created_at in [2025-03-03T18:30Z, 2025-03-04T18:30Z): G01, G02, P1, P2
    assert out["features_daily"]["tickets_created"].tolist() == [4, 0]


# --- the oracle against a literal day-by-day model on random extracts -----------------------------


@pytest.mark.parametrize("time_zone", ["Asia/Kolkata", "America/New_York"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_day_by_day_model(tmp_path, time_zone, seed):
    """Random extracts (defects, duplicates, ties, reopens; a DST change in New York on
    2025-03-09) give the same tables as a plain Python model that keeps the state in a
    dict and processes one day after the other."""
    settings = make_settings(time_zone)
    days = [date(2025, 3, 6) + timedelta(days=i) for i in range(7)]
    files = _random_extracts(random.Random(seed), days, time_zone)
    for day, text in files.items():
        path = extract_path(tmp_path, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))

    got = recompute(tmp_path, days[0], days[-1], settings)
    want = reference(files, days, time_zone, TARGETS)
    assert set(got) == set(want)
    for name, frame in want.items():
        pd.testing.assert_frame_equal(got[name], frame, check_dtype=False, rtol=1e-9, obj=name)
    assert got["day_counts"]["rows_rejected"].sum() > 0


def _random_extracts(rnd: random.Random, days: list[date], time_zone: str) -> dict[date, str]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(time_zone)

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def local(day: date, seconds: int) -> datetime:
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        return start.astimezone(UTC) + timedelta(seconds=seconds)

    statuses = ["new", "open", "pending", "hold", "solved", "closed", "Open", " SOLVED "]
    priorities = ["urgent", "high", "normal", "low", "High"]
    lines: dict[date, list[str]] = {day: [] for day in days}
    for number in range(60):
        tid = f"X{number:03d}"
        created = local(days[0], rnd.randrange(-30 * 86400, 7 * 86400))
        priority = rnd.choice(priorities)
        reopen = 0
        for day in sorted(rnd.sample(days, rnd.randint(1, 4))):
            day_start, day_end = local(day, 0), local(day + timedelta(days=1), 0)
            if created >= day_end:
                continue
            previous = None
            for _ in range(rnd.choice([1, 1, 1, 2, 3])):
                low = max(day_start, created)
                updated = low + timedelta(
                    seconds=rnd.randrange(int((day_end - low).total_seconds()))
                )
                if previous is not None and rnd.random() < 0.4:
                    updated = previous  # a tie with this ticket's previous line of the day
                previous = updated
                status = rnd.choice(statuses)
                solved = ""
                if "solved" in status.lower() or status == "closed" or rnd.random() < 0.1:
                    if rnd.random() < 0.7:
                        solved = stamp(updated)
                    else:
                        solved = stamp(created + (updated - created) * rnd.random())
                if rnd.random() < 0.2:
                    reopen += 1
                first = (
                    ""
                    if rnd.random() < 0.3
                    else stamp(created + (updated - created) * rnd.random())
                )
                fields = [
                    tid,
                    stamp(created),
                    stamp(updated),
                    status,
                    priority,
                    "billing",
                    rnd.choice(["web", "email", " chat ", ""]),  # none: in no channel's row
                    "team",
                    rnd.choice(["", "ag1", "ag2", "ag3", " ag2 "]),
                    "c",
                    "standard",
                    rnd.choice(["plain", '"a, ""b""\nc"', "naïve"]),
                    first,
                    solved,
                    rnd.choice([str(reopen), str(reopen), ""]),
                    rnd.choice(["", "", "3", "5", "1"]),
                ]
                defect = rnd.random()
                if defect < 0.04:
                    fields[2] = stamp(updated).replace("T", " ")
                elif defect < 0.08:
                    fields[3] = "escalated"
                elif defect < 0.10:
                    fields = fields[:9]
                elif defect < 0.12:
                    fields[15] = "7"
                elif defect < 0.14:
                    fields[2] = stamp(day_end + timedelta(minutes=5))
                elif defect < 0.16:
                    fields[13] = stamp(created - timedelta(hours=1))
                lines[day].append(",".join(fields))
    for day in days:
        rnd.shuffle(lines[day])
    return {day: HEADER + "\r\n" + "".join(line + "\r\n" for line in lines[day]) for day in days}


# --- a generated year, when one exists ----------------------------------------------------


def test_invariants_on_generated_landing():
    landing = config.REPO_ROOT / ".local" / "landing"
    first, last = date(2025, 1, 1), date(2025, 1, 31)
    if not extract_path(landing, last).is_file():
        pytest.skip("no generated landing in .local/landing")
    settings = config.load("local")
    out = recompute(landing, first, last, settings)
    counts = out["day_counts"]
    assert (counts["rows_in"] == counts["rows_accepted"] + counts["rows_rejected"]).all()
    backlog = out["backlog_daily"]
    assert len(backlog) == (last - first).days + 1
    previous = backlog["open_eod"].shift(1, fill_value=0)
    assert (
        backlog["open_eod"] == previous + backlog["entered_backlog"] - backlog["left_backlog"]
    ).all()
    by_priority = backlog[["open_urgent", "open_high", "open_normal", "open_low"]].sum(axis=1)
    ages = backlog[
        ["age_0_1d", "age_1_3d", "age_3_7d", "age_7_14d", "age_14_30d", "age_30d_plus"]
    ].sum(axis=1)
    assert (by_priority == backlog["open_eod"]).all() and (ages == backlog["open_eod"]).all()
    fact = out["fact_tickets"]
    assert fact["ticket_id"].is_unique
    assert int(fact["is_open"].sum()) == backlog["open_eod"].iloc[-1]
    load = out["daily_agent_load"]
    per_day = load.groupby("business_date")["open_assigned_eod"].sum()
    assert (per_day <= backlog.set_index("business_date")["open_eod"].reindex(per_day.index)).all()
