"""Cloud Function (gen2, HTTP) called by Cloud Scheduler: one tick, at most one day.

Deployable as-is with functions-framework: the target is `tick`.

The HTTP contract (functions/contract.py) is strict, because a request outside
it must start nothing: only POST, with an empty body or a JSON object of
documented fields. Anything else is answered 4xx naming the problem (405 for
another method), never 5xx, which Cloud Scheduler would retry.

The tick reads `ingestion_state` (BigQuery in the cloud, DuckDB locally) and the
landing (Cloud Storage / a folder) through `jobs.resources`, and starts the day
through the environment's runner: a Dataproc Serverless batch in the cloud (the
reply names its batch id), the job in this process locally. It neither creates
nor inspects tables: Terraform creates them and the batch verifies them, so the
function's identity needs read access to `ingestion_state` alone. A missing
dependency or permission answers 500 (Scheduler retries) with one log line
naming what is missing. Every tick logs one line with its result: in the cloud a
Cloud Logging JSON entry whose fields (status, business_date, batch_id, run_id)
can be filtered on.
"""

from __future__ import annotations

import functools
import json
import logging

import functions_framework
from flask import Request

from functions import contract, trigger
from functions.runners import runner_for
from jobs import config, logs, resources

log = logging.getLogger("trigger")
# Fields of a tick's result that are log context (top-level keys of the JSON entry).
CONTEXT_FIELDS = ("status", "business_date", "batch_id", "run_id")


@functools.cache
def _settings() -> config.Settings:
    settings = config.load()
    logs.configure(settings)
    return settings


@functools.cache
def _wiring():
    settings = _settings()
    warehouse = resources.warehouse_for(settings)
    return settings, warehouse, resources.landing_for(settings), runner_for(settings)


@functions_framework.http
def tick(request: Request):
    _settings()
    if request.method != contract.METHOD:
        return _refused(405, f"method {request.method} is not allowed: a tick is a POST")
    if (request.content_length or 0) > contract.MAX_BODY_BYTES:
        return _refused(413, f"body larger than {contract.MAX_BODY_BYTES} bytes")
    problem = contract.body_problem(request.get_data(cache=False, as_text=True))
    if problem:
        return _refused(400, problem)
    try:
        settings, warehouse, landing, runner = _wiring()
        result = trigger.tick(settings, warehouse, landing, runner)
    except Exception as exc:
        # A 500 makes Cloud Scheduler retry (with backoff); the entry names the cause.
        missing = _missing(exc)
        log.exception("tick failed: %s", missing, extra={"status": "failed"})
        return _reply(500, {"status": "failed", "error": missing})
    log.info(
        "tick: %s",
        _summary(result),
        extra={**{k: result[k] for k in CONTEXT_FIELDS if k in result}, "tick": result},
    )
    return _reply(500 if result.get("status") == "failed" else 200, result)


def _missing(exc: Exception) -> str:
    """The error of a failed tick, saying plainly when a dependency or permission is missing."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ImportError):  # a module, or a name from a namespace package
        return f"missing dependency: {exc}; the function's requirements.txt lacks it"
    if getattr(exc, "code", None) == 403:  # google.api_core.exceptions.Forbidden
        return f"permission denied: {text}"
    return text


def _summary(result: dict) -> str:
    status = result.get("status")
    if status in ("submitted", "already_submitted"):
        return f"{status} batch {result.get('batch_id')} for {result.get('business_date')}"
    if status == "up_to_date":
        return f"up to date (last processed {result.get('last_processed')})"
    if status == "waiting":
        return f"waiting for the extract of {result.get('business_date')}"
    return result.get("message") or json.dumps(result, default=str)


def _refused(code: int, error: str):
    log.warning("tick rejected: %s", error, extra={"status": "bad_request"})
    headers = {"Allow": "POST"} if code == 405 else {}
    return _reply(code, {"status": "bad_request", "error": error}, headers)


def _reply(code: int, payload: dict, headers: dict | None = None):
    headers = {"Content-Type": "application/json", **(headers or {})}
    return json.dumps(payload, default=str), code, headers
