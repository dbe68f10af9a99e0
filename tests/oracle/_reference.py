"""A second, literal model of docs/kpis.md for cross-checking the SQL oracle on small inputs.

It keeps the state after each day in a dict and processes one day after the other, exactly as
the definitions are worded; it is slow and only meant for a few hundred rows.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
DIGITS = re.compile(r"[0-9]+")
OPEN = {"new", "open", "pending", "hold"}
DONE = {"solved", "closed"}
PRIORITIES = {"urgent", "high", "normal", "low"}


class Bad(Exception):
    pass


def _ts(value):
    if value is None:
        return None
    if not TS.fullmatch(value):
        raise Bad
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise Bad from exc


def _parse(record, positions, width, day, zone):
    """The typed row, or None when any rule fails."""
    if len(record) != width:
        return None
    v = {name: (record[i].strip(" \t\r\n") or None) for name, i in positions.items()}
    try:
        if v["ticket_id"] is None or v["created_at"] is None or v["updated_at"] is None:
            raise Bad
        row = {
            "ticket_id": v["ticket_id"],
            "created_at": _ts(v["created_at"]),
            "updated_at": _ts(v["updated_at"]),
            "status": (v["status"] or "").lower(),
            "priority": (v["priority"] or "").lower(),
            "agent_id": v["agent_id"],
            "channel": v["channel"],
            "first_response_at": _ts(v["first_response_at"]),
            "solved_at": _ts(v["solved_at"]),
            "reopen_count": None,
            "csat_score": None,
        }
        if row["status"] not in OPEN | DONE or row["priority"] not in PRIORITIES:
            raise Bad
        if row["created_at"] > row["updated_at"]:
            raise Bad
        if row["solved_at"] is not None and row["solved_at"] < row["created_at"]:
            raise Bad
        if v["reopen_count"] is not None:
            if not DIGITS.fullmatch(v["reopen_count"]):
                raise Bad
            row["reopen_count"] = int(v["reopen_count"])
        if v["csat_score"] is not None:
            if not DIGITS.fullmatch(v["csat_score"]) or not 1 <= int(v["csat_score"]) <= 5:
                raise Bad
            row["csat_score"] = int(v["csat_score"])
        if row["updated_at"].astimezone(zone).date() != day:
            raise Bad
    except Bad:
        return None
    return row


def _percentile(values, q):
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _mean(values):
    return sum(values) / len(values) if values else None


def reference(files: dict[date, str], days: list[date], time_zone: str, targets: dict) -> dict:
    zone = ZoneInfo(time_zone)
    used = (
        "ticket_id",
        "created_at",
        "updated_at",
        "status",
        "priority",
        "agent_id",
        "channel",
        "first_response_at",
        "solved_at",
        "reopen_count",
        "csat_score",
    )
    out = {
        k: []
        for k in (
            "features_daily",
            "daily_agent_load",
            "backlog_daily",
            "daily_ops_metrics",
            "channel_daily",
            "day_counts",
        )
    }
    state: dict[str, dict] = {}

    def bday(moment):
        return moment.astimezone(zone).date()

    def due(v):
        return v["created_at"] + timedelta(hours=targets[v["priority"]])

    def tat(v):
        return (v["solved_at"] - v["created_at"]).total_seconds() / 3600

    for day in days:
        reader = csv.reader(io.StringIO(files[day], newline=""))
        header = next(reader)
        names = [h.lstrip("\ufeff").strip().lower() for h in header]
        positions = {name: names.index(name) for name in used}
        records = [r for r in reader if r]
        valid = [
            r for r in (_parse(rec, positions, len(header), day, zone) for rec in records) if r
        ]

        # versions of the day: greatest updated_at, ties -> later record
        versions: dict[str, dict] = {}
        for v in valid:
            if (
                v["ticket_id"] not in versions
                or v["updated_at"] >= versions[v["ticket_id"]]["updated_at"]
            ):
                versions[v["ticket_id"]] = {**v, "day": day}
        before = dict(state)
        for tid, v in versions.items():
            if tid not in state or v["updated_at"] > state[tid]["updated_at"]:
                state[tid] = v
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)

        solved = [
            v
            for v in versions.values()
            if v["status"] in DONE and v["solved_at"] is not None and bday(v["solved_at"]) == day
        ]
        tats = [tat(v) for v in solved]
        breached = [v for v in solved if v["solved_at"] > due(v)]
        reopened = sum(
            1
            for t, v in versions.items()
            if (v["reopen_count"] or 0) > ((before[t]["reopen_count"] or 0) if t in before else 0)
        )
        created = sum(1 for v in versions.values() if bday(v["created_at"]) == day)
        responses = [
            (v["first_response_at"] - v["created_at"]).total_seconds() / 60
            for v in versions.values()
            if v["first_response_at"] is not None and bday(v["first_response_at"]) == day
        ]
        breach_pct = 100.0 * len(breached) / len(solved) if solved else None
        out["features_daily"].append(
            {
                "business_date": day,
                "tickets_created": created,
                "tickets_solved": len(solved),
                "tickets_reopened": reopened,
                "tat_avg_hours": _mean(tats),
                "tat_p50_hours": _percentile(tats, 0.5) if tats else None,
                "tat_p90_hours": _percentile(tats, 0.9) if tats else None,
                "first_response_avg_minutes": _mean(responses),
                "sla_breach_pct": breach_pct,
            }
        )

        open_now = {t: s for t, s in state.items() if s["status"] in OPEN}
        open_before = {t for t, s in before.items() if s["status"] in OPEN}
        ages = [end - s["created_at"] for s in open_now.values()]
        edges = [0, 1, 3, 7, 14, 30, 10**6]
        labels = ["age_0_1d", "age_1_3d", "age_3_7d", "age_7_14d", "age_14_30d", "age_30d_plus"]
        backlog = {
            "business_date": day,
            "open_eod": len(open_now),
            **{
                f"open_{p}": sum(1 for s in open_now.values() if s["priority"] == p)
                for p in ("urgent", "high", "normal", "low")
            },
            "entered_backlog": len(set(open_now) - open_before),
            "left_backlog": len(open_before - set(open_now)),
            **{
                label: sum(1 for a in ages if timedelta(days=lo) <= a < timedelta(days=hi))
                for label, lo, hi in zip(labels, edges, edges[1:], strict=False)
            },
            "open_past_due": sum(1 for s in open_now.values() if due(s) < end),
        }
        out["backlog_daily"].append(backlog)

        agents = {v["agent_id"] for v in versions.values()} | {
            s["agent_id"] for s in open_now.values()
        }
        for agent in sorted(a for a in agents if a is not None):
            mine = [v for v in solved if v["agent_id"] == agent]
            out["daily_agent_load"].append(
                {
                    "business_date": day,
                    "agent_id": agent,
                    "tickets_touched": sum(1 for v in versions.values() if v["agent_id"] == agent),
                    "tickets_solved": len(mine),
                    "open_assigned_eod": sum(
                        1 for s in open_now.values() if s["agent_id"] == agent
                    ),
                    "tat_avg_hours": _mean([tat(v) for v in mine]),
                    "sla_breaches": sum(1 for v in mine if v["solved_at"] > due(v)),
                }
            )

        channels = {v["channel"] for v in versions.values()} - {None}
        for channel in sorted(channels):
            mine = [v for v in solved if v["channel"] == channel]
            late = [v for v in mine if v["solved_at"] > due(v)]
            out["channel_daily"].append(
                {
                    "business_date": day,
                    "channel": channel,
                    "tickets_created": sum(
                        1
                        for v in versions.values()
                        if v["channel"] == channel and bday(v["created_at"]) == day
                    ),
                    "tickets_solved": len(mine),
                    "tat_p50_hours": _percentile([tat(v) for v in mine], 0.5) if mine else None,
                    "sla_breach_pct": 100.0 * len(late) / len(mine) if mine else None,
                }
            )

        csats = [v["csat_score"] for v in solved if v["csat_score"] is not None]
        out["daily_ops_metrics"].append(
            {
                "business_date": day,
                "tickets_created": created,
                "tickets_solved": len(solved),
                "open_eod": len(open_now),
                "sla_compliance_pct": None if breach_pct is None else 100.0 - breach_pct,
                "tat_p50_hours": _percentile(tats, 0.5) if tats else None,
                "csat_avg": _mean(csats),
                "reopen_rate": reopened / len(solved) if solved else None,
                "active_agents": len({v["agent_id"] for v in versions.values() if v["agent_id"]}),
                "rows_ingested": len(records),
                "rows_rejected": len(records) - len(valid),
            }
        )
        out["day_counts"].append(
            {
                "business_date": day,
                "rows_in": len(records),
                "rows_accepted": len(valid),
                "rows_rejected": len(records) - len(valid),
            }
        )

    frames = {name: pd.DataFrame(rows) for name, rows in out.items()}
    for frame in frames.values():
        for column in frame.columns:
            if column.endswith(("_hours", "_minutes", "_pct", "_avg", "_rate")):
                frame[column] = frame[column].astype("float64")
    fact = []
    for tid in sorted(state):
        s = state[tid]
        done = s["status"] in DONE and s["solved_at"] is not None
        fact.append(
            {
                "ticket_id": tid,
                "created_at": s["created_at"],
                "updated_at": s["updated_at"],
                "status": s["status"],
                "priority": s["priority"],
                "agent_id": s["agent_id"],
                "reopen_count": s["reopen_count"],
                "csat_score": s["csat_score"],
                "solved_at": s["solved_at"],
                "first_response_at": s["first_response_at"],
                "last_business_date": s["day"],
                "is_open": s["status"] in OPEN,
                "resolution_hours": tat(s) if done else None,
                "sla_breached": (s["solved_at"] > due(s)) if done else None,
            }
        )
    frame = pd.DataFrame(fact)
    for column in ("created_at", "updated_at", "solved_at", "first_response_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    frame["reopen_count"] = frame["reopen_count"].astype("Int64")
    frame["csat_score"] = frame["csat_score"].astype("Int64")
    frame["resolution_hours"] = frame["resolution_hours"].astype("float64")
    frame["sla_breached"] = frame["sla_breached"].astype("boolean")
    frames["fact_tickets"] = frame
    return frames
