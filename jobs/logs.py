"""Log lines a person can read locally, and Cloud Logging can index in the cloud.

`configure(settings)` installs one handler on the root logger:

- local environments: `HH:MM:SS LEVEL message`, as the job always printed;
- gcp environments (Cloud Functions, Dataproc Serverless, a laptop pointed at
  a cloud env): one JSON object per line, the structured-logging format that
  Cloud Logging parses from stdout/stderr. `severity`, `message` and `time`
  become the entry's severity, summary and timestamp; every other key lands in
  `jsonPayload`, so `jsonPayload.business_date="2025-11-01"` finds a day's lines.

Context fields (`run_id`, `business_date`, `batch_id`, and any figures such as
`rows_in`) come from three places, later ones winning: `bind()` for the whole
process (the batch id of a Dataproc batch), `context()` for a block of code,
and `extra=` on a single call. Standard library only: the trigger function
and the batch both import it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from jobs.config import Settings

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(message)s"
HUMAN_DATE_FORMAT = "%H:%M:%S"
NOISY = ("py4j", "sqlglot", "urllib3", "google.auth", "google.api_core")
# Set by the Dataproc runner as driver environment (spark.dataproc.driverEnv.*).
BATCH_ID_VARIABLE = "TICKETS_BATCH_ID"

_SEVERITY = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRITICAL",
}
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_PROCESS: dict[str, object] = {}
_SCOPED: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar(
    "jobs_log_context", default=None
)


class _Handler(logging.StreamHandler):
    """The handler this module installs (configure() replaces it rather than adding one).

    Without an explicit stream it writes to whatever `sys.stderr` is at the time
    of each line, so a runtime or test harness that swaps stderr still gets them.
    """

    def __init__(self, stream: TextIO | None = None):
        self._follow_stderr = stream is None
        super().__init__(stream)

    @property
    def stream(self) -> TextIO:
        return sys.stderr if self._follow_stderr else self._stream

    @stream.setter
    def stream(self, value: TextIO) -> None:
        self._stream = value


def configure(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Install the environment's log format on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(stream)
    if settings.platform == "gcp":
        handler.setFormatter(CloudLoggingFormatter())
    else:
        handler.setFormatter(logging.Formatter(HUMAN_FORMAT, datefmt=HUMAN_DATE_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    batch_id = os.environ.get(BATCH_ID_VARIABLE)
    if batch_id:
        bind(batch_id=batch_id)
    return handler


def bind(**fields: object) -> None:
    """Context fields for every later line of this process (None removes a field)."""
    for key, value in fields.items():
        if value is None:
            _PROCESS.pop(key, None)
        else:
            _PROCESS[key] = value


@contextlib.contextmanager
def context(**fields: object) -> Iterator[None]:
    """Context fields for the lines logged inside the block (this thread or task)."""
    current = _SCOPED.get() or {}
    token = _SCOPED.set({**current, **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _SCOPED.reset(token)


def fields_of(record: logging.LogRecord) -> dict[str, object]:
    """The context fields of a record: bound, then scoped, then its own `extra=`."""
    extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    return {**_PROCESS, **(_SCOPED.get() or {}), **extra}


class CloudLoggingFormatter(logging.Formatter):
    """One JSON object per record, in Cloud Logging's structured-logging shape."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            # The stack trace belongs in the message: Error Reporting reads it there.
            message = f"{message}\n{self.formatException(record.exc_info)}"
        elif record.exc_text:
            message = f"{message}\n{record.exc_text}"
        entry: dict[str, object] = {
            "severity": _SEVERITY.get(record.levelno, record.levelname),
            "message": message,
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="microseconds"
            ),
            "logger": record.name,
        }
        for key, value in fields_of(record).items():
            if value is not None and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=_plain, ensure_ascii=False)


def _plain(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)
