"""Progress of long work: a bar on a terminal, periodic log lines elsewhere."""

from __future__ import annotations

import io
import logging

from jobs.progress import Progress, per_call

MB_ = 1_000_000


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_off_a_terminal_logs_every_tenth_and_when_time_passes(caplog):
    clock = Clock()
    progress = Progress("upload", 20, "files", 20 * MB_, io.StringIO(), every_s=10.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="jobs.progress"):
        for i in range(20):
            clock.now += 0.5 if i != 6 else 30.0  # a slow 7th file
            progress.advance(MB_)
    logged = [r.getMessage() for r in caplog.records]
    # Files 2, 4, ..., 20 (a tenth of 20 is 2), plus the 7th after 30 s without a line.
    assert len(logged) == 11
    assert logged[3] == "upload: 7/20 files  7.0/20.0 MB"
    assert logged[-1] == "upload: 20/20 files  20.0/20.0 MB"
    assert progress.stream.getvalue() == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_redraws_one_line(caplog):
    clock, stream = Clock(), Terminal()
    progress = Progress("upload", 4, "files", 8 * MB_, stream, clock=clock)
    with caplog.at_level(logging.INFO, logger="jobs.progress"):
        for step in (0.125, 0.125, 0.125, 9.625):  # 16 MB/s for three files, then slow
            clock.now += step
            progress.advance(2 * MB_)
        progress.close()
    assert caplog.records == []
    out = stream.getvalue()
    assert out.startswith("\r") and out.endswith("\n") and out.count("\n") == 1
    lines = out[1:-1].split("\r")
    assert lines[2] == f"upload [{'#' * 22}{'.' * 8}] 3/4 files  6.0/8.0 MB  16.0 MB/s"
    # The last line is one character shorter (0.8 MB/s): padded to blank the one before.
    assert lines[3] == f"upload [{'#' * 30}] 4/4 files  8.0/8.0 MB  0.8 MB/s "


def test_progress_of_items_without_bytes_shows_counts_and_elapsed_time():
    clock, stream = Clock(), Terminal()
    progress = Progress("simulate", 61, "days", stream=stream, clock=clock)
    clock.now += 12.0
    progress.advance()
    progress.close()
    assert stream.getvalue() == f"\rsimulate [{'.' * 30}] 1/61 days  12 s\n"


def test_a_note_names_the_step_just_finished(caplog):
    clock = Clock()
    progress = Progress("backfill", 3, "steps", stream=io.StringIO(), clock=clock)
    with caplog.at_level(logging.INFO, logger="jobs.progress"):
        for seconds, note in ((4.0, "validated"), (25.0, "timeline"), (1.0, "committed")):
            clock.now += seconds
            progress.advance(note=note)
    assert [r.getMessage() for r in caplog.records] == [
        "backfill: 1/3 steps  4 s  validated",  # every tenth (one step of three)
        "backfill: 2/3 steps  29 s  timeline",
        "backfill: 3/3 steps  30 s  committed",
    ]


def test_per_call_makes_the_bar_at_the_first_call_and_ends_its_line_at_the_last():
    stream = Terminal()
    report = per_call("data", "files", stream=stream)
    assert stream.getvalue() == ""
    report(1, 3)
    report(3, 3)  # a skipped count still advances to it
    out = stream.getvalue()
    assert out.endswith("\n") and out.count("\n") == 1
    assert out.split("\r")[-1].startswith(f"data [{'#' * 30}] 3/3 files")
