"""Cloud Function (gen2, HTTP) called by Cloud Scheduler: one tick, at most one day.

Deployable as-is with functions-framework: the target is `tick`. Cloud Scheduler
posts an empty body or a JSON object; anything else is rejected with 400 and
starts nothing.

The tick reads `ingestion_state` (BigQuery in the cloud, DuckDB locally) and the
landing (Cloud Storage / a folder) through `jobs.resources`, and starts the day
through the environment's runner: a Dataproc Serverless batch in the cloud (the
reply names its batch id), the job in this process locally. Every tick logs one
line with its result: in the cloud a Cloud Logging JSON entry whose fields
(status, business_date, batch_id, run_id) can be filtered on.
"""

from __future__ import annotations

import functools
import json
import logging

import functions_framework
from flask import Request

from jobs import config, logs, resources, trigger
from jobs.runners import runner_for

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
    warehouse.ensure_tables()
    return settings, warehouse, resources.landing_for(settings), runner_for(settings)


@functions_framework.http
def tick(request: Request):
    _settings()
    body = request.get_data(cache=False, as_text=True)
    if body.strip():
        try:
            payload = json.loads(body)
        except json.JSONDecodeError as exc:
            return _bad_request(f"body is not JSON: {exc}")
        if not isinstance(payload, dict):
            return _bad_request("body must be a JSON object")
    try:
        settings, warehouse, landing, runner = _wiring()
        result = trigger.tick(settings, warehouse, landing, runner)
    except Exception as exc:
        # A 500 makes Cloud Scheduler retry (with backoff); the entry carries the trace.
        log.exception("tick failed: %s", exc, extra={"status": "failed"})
        return _reply(500, {"status": "failed", "error": f"{type(exc).__name__}: {exc}"})
    log.info(
        "tick: %s",
        _summary(result),
        extra={**{k: result[k] for k in CONTEXT_FIELDS if k in result}, "tick": result},
    )
    return _reply(500 if result.get("status") == "failed" else 200, result)


def _summary(result: dict) -> str:
    status = result.get("status")
    if status in ("submitted", "already_submitted"):
        return f"{status} batch {result.get('batch_id')} for {result.get('business_date')}"
    if status == "up_to_date":
        return f"up to date (last processed {result.get('last_processed')})"
    if status == "waiting":
        return f"waiting for the extract of {result.get('business_date')}"
    return result.get("message") or json.dumps(result, default=str)


def _bad_request(error: str):
    log.warning("tick rejected: %s", error, extra={"status": "bad_request"})
    return _reply(400, {"status": "bad_request", "error": error})


def _reply(code: int, payload: dict):
    return json.dumps(payload, default=str), code, {"Content-Type": "application/json"}
