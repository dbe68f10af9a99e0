"""The bad input gauntlet (issue 5 item 2): defective rows and files, end to end.

Every case is one extract file that mixes defective rows with valid ones, and
states its expected outcome: each defective record quarantined with exactly
these reason codes, or accepted, or the whole day failed with this message and
nothing written. The checks go through the real pipeline (`extract.inspect`,
`pipeline.daily`) on the DuckDB warehouse, and for every day that commits:
`rows_in = accepted + rejected` in ingestion_state and daily_ops_metrics, and
every valid row of the file reaches fact_tickets.

Speed: the row-level cases are the days of ONE landing folder (Jan 1, Jan 2, ...).
All but the last DAILY_DAYS of them are loaded by one backfill (one Spark job,
about 4x faster than a daily run per day; backfill == daily runs is proven in
tests/e2e), the rest by one `pipeline.daily` call that then waits at the
missing day. The file-level failures never reach Spark (the pre-flight rejects
them), so each gets its own tiny landing and warehouse for almost nothing. The
decisions belong in docs/data-contract.md.

Business time zone Asia/Kolkata (UTC+05:30): day D runs from (D-1)T18:30:00Z
to DT18:30:00Z.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from jobs import config, extract, pipeline, resources
from jobs.config import LocalSettings
from jobs.landing import extract_key
from jobs.landing.local import LocalLanding
from jobs.schemas import SOURCE_COLUMNS

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

START = dt.date(2025, 1, 1)
HEADER = ",".join(SOURCE_COLUMNS)
ACCEPTED = frozenset()  # the reason codes of an accepted row


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def record(day: int, ticket_id: str, **fields: str) -> dict[str, str]:
    """A valid record of day `day` (created 03:00Z, updated 04:00Z), overridden by `fields`."""
    d = _day(day).isoformat()
    values = {
        "ticket_id": ticket_id,
        "created_at": f"{d}T03:00:00Z",
        "updated_at": f"{d}T04:00:00Z",
        "status": "open",
        "priority": "normal",
        "category": "billing",
        "channel": "email",
        "team": "tier1",
        "agent_id": "agent-1",
        "customer_id": "cust-1",
        "customer_tier": "gold",
        "subject": "printer on fire",
        "first_response_at": "",
        "solved_at": "",
        "reopen_count": "0",
        "csat_score": "",
    }
    values.update(fields)
    return values


def line(values: dict[str, str], columns=SOURCE_COLUMNS) -> str:
    return ",".join(values[c] for c in columns)


@dataclasses.dataclass(frozen=True)
class Case:
    """One day's file and what must become of it.

    `expected` maps each record (1-based, in file order, as `line_number` counts
    them) to its reason codes; ACCEPTED for a valid record. `accepted` lists the
    ticket ids that must be in fact_tickets after the day, with fact values to check.
    """

    name: str
    data: bytes
    expected: dict[int, frozenset[str]]
    facts: dict[str, dict] = dataclasses.field(default_factory=dict)


def _file(day: int, defective: list[str], header: str = HEADER, eol: str = "\n") -> bytes:
    """Header, a valid row, the defective lines, a valid row; records V1, defects..., V2."""
    body = [line(record(day, f"G{day:02d}-V1")), *defective, line(record(day, f"G{day:02d}-V2"))]
    return (eol.join([header, *body]) + eol).encode("utf-8")


def _mixed(day: int, name: str, bad: list[tuple[dict, set[str]]], **kw) -> Case:
    """A case whose defective records are given as field overrides with their reasons."""
    overrides = [{"ticket_id": f"G{day:02d}-D{i}", **fields} for i, (fields, _) in enumerate(bad)]
    lines = [line(record(day, **fields)) for fields in overrides]
    expected = {1: ACCEPTED, len(bad) + 2: ACCEPTED}
    expected |= {i + 2: frozenset(reasons) for i, (_, reasons) in enumerate(bad)}
    return Case(name, _file(day, lines), expected, **kw)


def _cases() -> list[Case]:
    """The row-level cases: day n of the landing is cases[n - 1]."""
    cases: list[Case] = []

    def add(build):
        cases.append(build(len(cases) + 1))

    add(
        lambda d: _mixed(
            d,
            "empty_timestamps",
            [
                ({"created_at": ""}, {"bad_created_at"}),
                ({"updated_at": "   "}, {"bad_updated_at"}),
                ({"created_at": "", "updated_at": ""}, {"bad_created_at", "bad_updated_at"}),
                # optional timestamps may be empty
                ({"first_response_at": " ", "solved_at": ""}, set()),
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "unparseable_timestamps",
            [
                ({"created_at": "yesterday"}, {"bad_created_at"}),
                ({"updated_at": f"{_day(d)} 04:00:00"}, {"bad_updated_at"}),
                ({"updated_at": f"{_day(d)}T04:00Z"}, {"bad_updated_at"}),
                ({"created_at": "1735700000"}, {"bad_created_at"}),
                ({"first_response_at": "soon"}, {"bad_first_response_at"}),
                ({"status": "solved", "solved_at": "n/a"}, {"bad_solved_at"}),
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "time_zone_offsets_other_than_z",
            [
                ({"updated_at": f"{_day(d)}T09:30:00+05:30"}, {"bad_updated_at"}),
                ({"updated_at": f"{_day(d)}T04:00:00+00:00"}, {"bad_updated_at"}),
                ({"created_at": f"{_day(d)}T03:00:00-0500"}, {"bad_created_at"}),
                ({"created_at": f"{_day(d)}T03:00:00"}, {"bad_created_at"}),  # no zone
                ({"updated_at": f"{_day(d)}T04:00:00z"}, {"bad_updated_at"}),  # lower-case z
                ({"updated_at": f"{_day(d)}T04:00:00.000Z"}, {"bad_updated_at"}),  # fraction
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "dates_that_do_not_exist",
            [
                ({"created_at": "2025-02-30T10:00:00Z"}, {"bad_created_at"}),
                ({"created_at": "2024-12-32T10:00:00Z"}, {"bad_created_at"}),
                ({"created_at": "2024-13-01T10:00:00Z"}, {"bad_created_at"}),
                ({"created_at": f"{_day(d)}T24:00:00Z"}, {"bad_created_at"}),
                ({"created_at": f"{_day(d)}T03:60:00Z"}, {"bad_created_at"}),
                ({"created_at": "0000-01-01T00:00:00Z"}, {"bad_created_at"}),
                ({"first_response_at": "2025-02-29T10:00:00Z"}, {"bad_first_response_at"}),
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "status_and_priority_in_odd_casing_and_spacing_are_accepted",
            [
                ({"ticket_id": f"G{d:02d}-M1", "status": " Open ", "priority": "HIGH"}, set()),
                (
                    {"ticket_id": f"G{d:02d}-M2", "status": "\tPENDING\t", "priority": " Urgent"},
                    set(),
                ),
                ({"ticket_id": f"G{d:02d}-M3", "status": "hOlD", "priority": "low "}, set()),
            ],
            facts={
                f"G{d:02d}-M1": {"status": "open", "priority": "high"},
                f"G{d:02d}-M2": {"status": "pending", "priority": "urgent"},
                f"G{d:02d}-M3": {"status": "hold", "priority": "low"},
            },
        )
    )
    add(
        lambda d: _mixed(
            d,
            "unknown_status_or_priority",
            [
                ({"status": "on hold"}, {"unknown_status"}),  # inner space is not trimmed
                ({"status": "O pen"}, {"unknown_status"}),
                ({"status": "reopened"}, {"unknown_status"}),
                ({"status": "\u041epen"}, {"unknown_status"}),  # Cyrillic capital O
                ({"status": ""}, {"unknown_status"}),
                ({"priority": " P1 "}, {"unknown_priority"}),
                ({"priority": "NORMAL!"}, {"unknown_priority"}),
                (
                    {"status": "Escalated", "priority": "asap"},
                    {"unknown_status", "unknown_priority"},
                ),
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "missing_ticket_id",
            [
                ({"ticket_id": ""}, {"missing_ticket_id"}),
                ({"ticket_id": " \t "}, {"missing_ticket_id"}),
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "solved_or_updated_before_created",
            [
                (
                    {"status": "solved", "solved_at": f"{_day(d)}T02:59:59Z"},
                    {"solved_before_created"},
                ),
                ({"created_at": f"{_day(d)}T04:00:01Z"}, {"updated_before_created"}),
                # solved exactly at creation is fine
                (
                    {
                        "ticket_id": f"G{d:02d}-S0",
                        "status": "solved",
                        "solved_at": f"{_day(d)}T03:00:00Z",
                    },
                    set(),
                ),
            ],
            facts={f"G{d:02d}-S0": {"status": "solved", "resolution_hours": 0.0}},
        )
    )
    add(
        lambda d: _mixed(
            d,
            "updated_outside_the_files_day",
            [
                # 18:30Z on D = 00:00 IST on D+1
                ({"updated_at": f"{_day(d)}T18:30:00Z"}, {"outside_day"}),
                # 18:29:59Z on D-1 = 23:59:59 IST on D-1
                (
                    {
                        "created_at": f"{_day(d - 1)}T10:00:00Z",
                        "updated_at": f"{_day(d - 1)}T18:29:59Z",
                    },
                    {"outside_day"},
                ),
                # 18:30:00Z on D-1 = 00:00:00 IST on D: the day's first instant
                (
                    {
                        "ticket_id": f"G{d:02d}-E0",
                        "created_at": f"{_day(d - 1)}T10:00:00Z",
                        "updated_at": f"{_day(d - 1)}T18:30:00Z",
                    },
                    set(),
                ),
            ],
        )
    )
    add(
        lambda d: _mixed(
            d,
            "negative_or_non_integer_counts",
            [
                ({"reopen_count": "-1"}, {"bad_reopen_count"}),
                ({"reopen_count": "1.0"}, {"bad_reopen_count"}),
                ({"reopen_count": "two"}, {"bad_reopen_count"}),
                ({"reopen_count": "+1"}, {"bad_reopen_count"}),
                ({"reopen_count": "1e3"}, {"bad_reopen_count"}),
                ({"ticket_id": f"G{d:02d}-R2", "reopen_count": " 02 "}, set()),
                ({"ticket_id": f"G{d:02d}-R0", "reopen_count": ""}, set()),  # missing is allowed
            ],
            facts={f"G{d:02d}-R2": {"reopen_count": 2}, f"G{d:02d}-R0": {"reopen_count": None}},
        )
    )
    add(
        lambda d: _mixed(
            d,
            "csat_out_of_range",
            [
                ({"csat_score": "0"}, {"bad_csat_score"}),
                ({"csat_score": "6"}, {"bad_csat_score"}),
                ({"csat_score": "-1"}, {"bad_csat_score"}),
                ({"csat_score": "4.5"}, {"bad_csat_score"}),
                ({"csat_score": "five"}, {"bad_csat_score"}),
                ({"ticket_id": f"G{d:02d}-C1", "csat_score": "1"}, set()),
                ({"ticket_id": f"G{d:02d}-C5", "csat_score": " 5 "}, set()),
            ],
            facts={f"G{d:02d}-C1": {"csat_score": 1}, f"G{d:02d}-C5": {"csat_score": 5}},
        )
    )

    def wrong_field_counts(d: int) -> Case:
        full = line(record(d, f"G{d:02d}-W"))
        defective = [
            ",".join(full.split(",")[:5]),  # truncated: 5 of 16 fields
            full + ",surplus",  # 17 fields
            full + ",",  # a trailing comma is a 17th (empty) field
            f"G{d:02d}-X",  # a lone value
        ]
        expected = {1: ACCEPTED, 6: ACCEPTED} | {
            i: frozenset({"malformed_row"}) for i in range(2, 5)
        }
        # The fields a short record does have are still checked: a lone id lacks the rest.
        expected[5] = frozenset(
            {
                "malformed_row",
                "bad_created_at",
                "bad_updated_at",
                "unknown_status",
                "unknown_priority",
            }
        )
        return Case("too_few_or_too_many_columns", _file(d, defective), expected)

    add(wrong_field_counts)

    def quoting(d: int) -> Case:
        subject = '"Line one\nline two, with a comma\r\nand ""quotes"" \u00e9\u00e8 \u2603"'
        defective = [
            line(record(d, f"G{d:02d}-Q1", subject=subject)),
            line(record(d, f"G{d:02d}-Q2", subject='a "quote" inside an unquoted field')),
            line(record(d, f"G{d:02d}-Q3", subject='""')),  # a quoted empty value
        ]
        return Case(
            "embedded_newlines_commas_and_quotes_in_a_quoted_subject",
            _file(d, defective),
            {i: ACCEPTED for i in range(1, 6)},
            facts={
                f"G{d:02d}-Q1": {"subject": subject[1:-1].replace('""', '"')},
                f"G{d:02d}-Q2": {"subject": 'a "quote" inside an unquoted field'},
                f"G{d:02d}-Q3": {"subject": None},
            },
        )

    add(quoting)

    def nul_bytes(d: int) -> Case:
        defective = [
            line(record(d, f"G{d:02d}-N1", subject="before\x00after")),
            line(record(d, f"G{d:02d}-N2\x00")),
        ]
        expected = {1: ACCEPTED, 2: frozenset({"malformed_row"}), 3: frozenset({"malformed_row"})}
        return Case("nul_bytes", _file(d, defective), expected | {4: ACCEPTED})

    add(nul_bytes)

    def bom(d: int) -> Case:
        data = b"\xef\xbb\xbf" + _file(d, [])
        return Case(
            "utf8_bom",
            data,
            {1: ACCEPTED, 2: ACCEPTED},
            facts={f"G{d:02d}-V1": {"ticket_id": f"G{d:02d}-V1"}},
        )

    add(bom)

    def crlf(d: int) -> Case:
        defective = [line(record(d, f"G{d:02d}-L1", csat_score="4", subject='"two\r\nlines"'))]
        return Case(
            "crlf_line_ends",
            _file(d, defective, eol="\r\n"),
            {1: ACCEPTED, 2: ACCEPTED, 3: ACCEPTED},
            # In a CRLF file, a line break inside a quoted value reads as LF.
            facts={f"G{d:02d}-L1": {"csat_score": 4, "subject": "two\nlines"}},
        )

    add(crlf)

    def reordered_and_extra(d: int) -> Case:
        columns = ["source_system", *reversed(SOURCE_COLUMNS), "exported_by"]
        header = ",".join(columns)

        def shuffled(values: dict[str, str]) -> str:
            return line({**values, "source_system": "zendesk", "exported_by": "cron"}, columns)

        rows = [
            shuffled(record(d, f"G{d:02d}-V1")),
            shuffled(
                record(d, f"G{d:02d}-O1", priority="urgent", csat_score="3", agent_id="agent-7")
            ),
            shuffled(record(d, f"G{d:02d}-O2", status="pending!")),
            shuffled(record(d, f"G{d:02d}-V2")),
        ]
        data = (header + "\n" + "\n".join(rows) + "\n").encode()
        return Case(
            "header_with_reordered_and_extra_columns",
            data,
            {1: ACCEPTED, 2: ACCEPTED, 3: frozenset({"unknown_status"}), 4: ACCEPTED},
            facts={f"G{d:02d}-O1": {"priority": "urgent", "csat_score": 3, "agent_id": "agent-7"}},
        )

    add(reordered_and_extra)

    def padded_header(d: int) -> Case:
        header = ", ".join(f" {c}" for c in SOURCE_COLUMNS)
        return Case(
            "header_names_with_spaces", _file(d, [], header=header), {1: ACCEPTED, 2: ACCEPTED}
        )

    add(padded_header)
    add(lambda d: Case("header_only_file", (HEADER + "\n").encode(), {}))
    add(lambda d: Case("header_only_file_without_newline", HEADER.encode(), {}))

    def no_final_newline(d: int) -> Case:
        return Case(
            "last_line_without_newline", _file(d, []).rstrip(b"\n"), {1: ACCEPTED, 2: ACCEPTED}
        )

    add(no_final_newline)

    def blank_lines(d: int) -> Case:
        data = _file(d, ["", "   "]).replace(b"\n\n", b"\n\n\n")
        # An empty line is no record; a line of spaces is a one-field record, all missing.
        everything = {"malformed_row", "missing_ticket_id", "bad_created_at", "bad_updated_at"}
        everything |= {"unknown_status", "unknown_priority"}
        return Case("blank_lines", data, {1: ACCEPTED, 2: frozenset(everything), 3: ACCEPTED})

    add(blank_lines)

    def duplicates(d: int) -> Case:
        same = {"updated_at": f"{_day(d)}T05:00:00Z"}
        defective = [
            line(record(d, f"G{d:02d}-T", status="open", agent_id="agent-1", **same)),
            line(record(d, f"G{d:02d}-T", status="pending", agent_id="agent-2", **same)),
            line(record(d, f"G{d:02d}-V1")),  # an exact duplicate of record 1
        ]
        return Case(
            "duplicate_versions_with_equal_timestamps_later_line_wins",
            _file(d, defective),
            {i: ACCEPTED for i in range(1, 6)},
            facts={f"G{d:02d}-T": {"status": "pending", "agent_id": "agent-2"}},
        )

    add(duplicates)
    return cases


ROW_CASES = _cases()
LAST_ROW_DAY = len(ROW_CASES)
MISSING_DAY = LAST_ROW_DAY + 1  # no file: the run waits for it
AFTER_MISSING_DAY = LAST_ROW_DAY + 2  # present, but must not be processed
DAILY_DAYS = 3  # the last row-level days, loaded by daily runs instead of the backfill


def _write_env(root: Path, end: dt.date) -> Path:
    env_dir = root / "env"
    (env_dir / "gauntlet").mkdir(parents=True)
    text = (config.ENV_DIR / "local" / "config.toml").read_text(encoding="utf-8")
    for old, new in {
        'name = "local"': 'name = "gauntlet"',
        'start = "2025-01-01"': f'start = "{START}"',
        'end = "2025-12-31"': f'end = "{end}"',
        'backfill_to = "2025-10-31"': f'backfill_to = "{end}"',
    }.items():
        assert old in text, old
        text = text.replace(old, new)
    (env_dir / "gauntlet" / "config.toml").write_text(text, encoding="utf-8")
    return env_dir


def _land(landing: Path, day: dt.date, data: bytes) -> None:
    path = landing / extract_key(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _context(settings, spark) -> pipeline.Context:
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return pipeline.Context(
        settings=settings, landing=resources.landing_for(settings), warehouse=warehouse, spark=spark
    )


def _rows(path: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("gauntlet")
    env_dir = _write_env(root, _day(AFTER_MISSING_DAY + 3))
    return config.load("gauntlet", env_dir=env_dir), root


def _settings_for(settings, landing: Path, warehouse: Path):
    return dataclasses.replace(settings, local=LocalSettings(landing=landing, warehouse=warehouse))


@pytest.fixture(scope="module")
def gauntlet(settings, spark):
    """All row-level cases, one day each: a backfill, then daily runs up to the missing day."""
    base, root = settings
    landing = root / "landing"
    for n, case in enumerate(ROW_CASES, start=1):
        _land(landing, _day(n), case.data)
    _land(landing, _day(AFTER_MISSING_DAY), _file(AFTER_MISSING_DAY, []))
    warehouse = root / "rows.duckdb"
    ctx = _context(_settings_for(base, landing, warehouse), spark)
    backfilled = pipeline.backfill(ctx, _day(1), _day(LAST_ROW_DAY - DAILY_DAYS))
    daily = pipeline.daily(ctx, max_days=AFTER_MISSING_DAY + 5)
    return backfilled, daily, warehouse


def test_there_are_at_least_25_named_cases():
    names = [c.name for c in ROW_CASES] + [c[0] for c in FAILING_FILES] + ["missing_day"]
    assert len(names) == len(set(names)) >= 25


def test_every_row_level_day_commits(gauntlet):
    backfilled, daily, _ = gauntlet
    assert backfilled.ok and daily.ok, (backfilled.failed, daily.failed)
    split = LAST_ROW_DAY - DAILY_DAYS
    assert backfilled.committed == [_day(n) for n in range(1, split + 1)]
    assert daily.committed == [_day(n) for n in range(split + 1, LAST_ROW_DAY + 1)]


def test_missing_day_waits_and_nothing_after_it_is_skipped(gauntlet):
    _, outcome, warehouse = gauntlet
    assert outcome.waiting_for == _day(MISSING_DAY)
    days = _rows(warehouse, "SELECT DISTINCT business_date FROM ingestion_state ORDER BY 1")
    assert [d for (d,) in days] == [_day(n) for n in range(1, LAST_ROW_DAY + 1)]
    (after,) = _rows(
        warehouse, "SELECT COUNT(*) FROM tickets_raw WHERE business_date > ?", _day(LAST_ROW_DAY)
    )
    assert after == (0,)


@pytest.mark.parametrize("n", range(1, LAST_ROW_DAY + 1), ids=[c.name for c in ROW_CASES])
def test_row_case(gauntlet, n):
    *_, warehouse = gauntlet
    case, day = ROW_CASES[n - 1], _day(n)

    # Every record landed, each defective one quarantined with exactly its reasons.
    landed = _rows(
        warehouse,
        "SELECT line_number, ticket_id FROM tickets_raw WHERE business_date = ? ORDER BY 1",
        day,
    )
    assert [ln for ln, _ in landed] == sorted(case.expected)
    rejected = _rows(
        warehouse,
        "SELECT line_number, reasons FROM tickets_rejected WHERE business_date = ? ORDER BY 1",
        day,
    )
    got = {ln: frozenset(reasons) for ln, reasons in rejected}
    assert got == {ln: r for ln, r in case.expected.items() if r}

    # rows_in = accepted + rejected, in the state row and in the ops summary.
    accepted = sum(1 for r in case.expected.values() if not r)
    state = _rows(
        warehouse,
        "SELECT status, rows_in, rows_rejected FROM ingestion_state WHERE business_date = ?",
        day,
    )
    assert state == [("succeeded", accepted + len(rejected), len(rejected))]
    ops = _rows(
        warehouse,
        "SELECT rows_ingested, rows_rejected FROM daily_ops_metrics WHERE business_date = ?",
        day,
    )
    assert ops == [(accepted + len(rejected), len(rejected))]

    # No valid row lost: every accepted record's ticket is in the facts from this day.
    valid_ids = {tid.strip() for ln, tid in landed if not case.expected[ln]}
    facts = _rows(warehouse, "SELECT ticket_id FROM fact_tickets WHERE last_business_date = ?", day)
    assert {tid for (tid,) in facts} == valid_ids
    for ticket_id, values in case.facts.items():
        columns = list(values)
        (row,) = _rows(
            warehouse,
            f"SELECT {', '.join(columns)} FROM fact_tickets WHERE ticket_id = ?",
            ticket_id,
        )
        assert dict(zip(columns, row, strict=True)) == values, ticket_id


# Files that fail their day: (case name, file bytes, words the error must contain).
_LATIN1 = _file(1, [line(record(1, "G01-L", subject="caf\u00e9"))]).decode().encode("latin-1")
FAILING_FILES = [
    ("zero_byte_file", b"", ["0 bytes"]),
    (
        "latin1_bytes",
        _LATIN1,
        ["not valid UTF-8", "byte 0xe9", f"offset {_LATIN1.index(0xE9)}", "line 3"],
    ),
    (
        "header_missing_a_column",
        _file(1, [], header=",".join(c for c in SOURCE_COLUMNS if c != "priority")),
        ["header lacks column(s) priority"],
    ),
    (
        "header_names_in_other_case",
        _file(1, [], header=HEADER.upper()),
        ["header lacks column(s) ticket_id"],
    ),
    (
        "header_repeats_a_column",
        _file(1, [], header=HEADER + ",status"),
        ["header repeats column(s) status"],
    ),
    (
        "unbalanced_quote_runs_to_the_end",
        _file(1, [line(record(1, "G01-U", subject='"never closed, oops'))]),
        ["unbalanced quotes", "line 3"],
    ),
    (
        "unbalanced_quote_closed_by_a_later_row",
        _file(
            1,
            [
                line(record(1, "G01-U", subject='"never closed')),
                line(record(1, "G01-A")),
                line(record(1, "G01-B", subject='"quoted, fine"')),
            ],
        ),
        ["unbalanced quotes", "line 3"],
    ),
]


@pytest.mark.parametrize("name,data,words", FAILING_FILES, ids=[c[0] for c in FAILING_FILES])
def test_file_that_fails_its_day(settings, spark, tmp_path, name, data, words):
    base, _ = settings
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    _land(landing, _day(1), data)
    _land(landing, _day(2), _file(2, []))
    ctx = _context(_settings_for(base, landing, warehouse), spark)

    with pytest.raises(extract.UnreadableExtract) as raised:
        extract.inspect(LocalLanding(landing), _day(1))
    assert str(landing / extract_key(_day(1))) in str(raised.value)

    outcome = pipeline.daily(ctx, max_days=2)
    assert outcome.failed is not None and outcome.committed == []
    day, message = outcome.failed
    assert day == _day(1)
    assert message == str(raised.value)
    for word in words:
        assert word in message, (word, message)
    # Nothing written but the failed attempt; the next day is blocked, not skipped.
    state = _rows(warehouse, "SELECT business_date, status, error FROM ingestion_state")
    assert state == [(_day(1), "failed", message)]
    for table in ("tickets_raw", "tickets_rejected", "fact_tickets", "daily_ops_metrics"):
        assert _rows(warehouse, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


# Unit tests of the two fixes the gauntlet led to.


@pytest.mark.parametrize(
    "text,problem",
    [
        ("a,b\n1,2\n", None),
        ('a,b\r\n1,"x\r\ny, ""z"""\r\n2,3\r\n', None),
        ('a,b\n1,a "quote" inside\n', None),
        (
            'a,b\n1,"x\n2,3\n',
            "the record starting on line 2 does not parse (unexpected end of data",
        ),
        ('a,b\n1,2\n3,"x\n4,5\n6,"y, z"\n7,8\n', "the record starting on line 3 does not parse"),
        ('a,b\n1,"x"y\n', "the record starting on line 2 does not parse"),
    ],
)
def test_broken_quoting_is_found_and_located(text, problem):
    found = extract._broken_quoting(text)
    if problem is None:
        assert found is None
    else:
        assert found.startswith("unbalanced quotes: ") and problem in found, found


def test_a_nul_byte_in_any_value_makes_the_row_malformed(spark):
    from jobs.transforms import validate
    from tests.jobs.conftest import TZ, raw, raw_frame

    c, u = "2025-03-01T04:00:00Z", "2025-03-01T05:00:00Z"
    rows = [
        raw("2025-03-01", 1, "A", c, u),
        raw("2025-03-01", 2, "B\x00", c, u),
        raw("2025-03-01", 3, "C", c, u, subject="x\x00y"),
        raw("2025-03-01", 4, "D", c, u, csat_score="\x00"),
    ]
    checked = validate.check(raw_frame(spark, rows), TZ).select("line_number", "reasons")
    reasons = {r["line_number"]: set(r["reasons"]) for r in checked.collect()}
    assert reasons == {
        1: set(),
        2: {"malformed_row"},
        3: {"malformed_row"},
        4: {"malformed_row", "bad_csat_score"},
    }
