"""Progress of long work: a bar redrawn in place on a terminal, log lines otherwise.

On a terminal the bar is redrawn at most ten times a second. When the output
is not a terminal (CI, a log file) one log line is written every `every_s`
seconds and every tenth of the items, so a log shows the work moving without
drowning in it. Used by the data generator (files), the upload (files and
bytes) and a backfill (its steps, each named by a note).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger("jobs.progress")
MB = 1_000_000


class Progress:
    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        total_bytes: int | None = None,
        stream: TextIO | None = None,
        every_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.label, self.unit = label, unit
        self.total, self.total_bytes = total, total_bytes
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s, self.clock = every_s, clock
        self.done = self.bytes = 0
        self.started = self.last = clock()
        self.step = max(1, -(-total // 10))  # ceil(total / 10)
        self.drawn = 0  # length of the line on the terminal
        self.note = ""
        self._lock = threading.Lock()

    def advance(self, nbytes: int = 0, note: str = "") -> None:
        """One more item finished (thread-safe); `note` names it on the line."""
        with self._lock:
            self.done += 1
            self.bytes += nbytes
            self.note = note
            now, finished = self.clock(), self.done == self.total
            if self.tty:
                if finished or now - self.last >= 0.1:
                    text = self.bar(now)
                    self.stream.write("\r" + text.ljust(self.drawn))  # blank a longer line
                    self.stream.flush()
                    self.drawn, self.last = len(text), now
            elif finished or now - self.last >= self.every_s or self.done % self.step == 0:
                log.info(
                    "%s: %s%s",
                    self.label,
                    self._counts(),
                    self._tail(now),
                    extra={f"{self.unit}_done": self.done, "bytes_done": self.bytes},
                )
                self.last = now

    def bar(self, now: float, width: int = 30) -> str:
        filled = width * self.done // max(1, self.total)
        text = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {self._counts()}"
        if self.total_bytes is None:
            return text + self._tail(now)
        elapsed = max(now - self.started, 1e-9)
        return f"{text}  {self.bytes / MB / elapsed:.1f} MB/s"

    def _tail(self, now: float) -> str:
        """Elapsed time and note, for counts without bytes (bytes show a rate instead)."""
        if self.total_bytes is not None:
            return ""
        return f"  {now - self.started:.0f} s" + (f"  {self.note}" if self.note else "")

    def _counts(self) -> str:
        counts = f"{self.done}/{self.total} {self.unit}"
        if self.total_bytes is None:
            return counts
        return f"{counts}  {self.bytes / MB:.1f}/{self.total_bytes / MB:.1f} MB"

    def close(self) -> None:
        """End the bar's line on a terminal (once, however often it is called)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = 0


def per_call(label: str, unit: str, **options) -> Callable[[int, int], None]:
    """A `(done, total)` callback drawing a Progress, made at the first call, when the
    total is known (the data generator reports its files this way)."""
    progress: Progress | None = None

    def report(done: int, total: int) -> None:
        nonlocal progress
        if progress is None:
            progress = Progress(label, total, unit, **options)
        while progress.done < done:
            progress.advance()
        if done == total:
            progress.close()

    return report
