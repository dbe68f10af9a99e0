"""Cloud Function (gen2, HTTP) called by Cloud Scheduler: one tick, at most one day.

Deployable as-is with functions-framework: the target is `tick`. Cloud Scheduler
posts an empty body or a JSON object; anything else is rejected with 400 and
starts nothing.
"""

from __future__ import annotations

import functools
import json
import logging

import functions_framework
from flask import Request

from jobs import config, resources, trigger
from jobs.runners import runner_for

log = logging.getLogger("trigger")


@functools.cache
def _wiring():
    settings = config.load()
    warehouse = resources.warehouse_for(settings)
    warehouse.ensure_tables()
    return settings, warehouse, resources.landing_for(settings), runner_for(settings)


@functions_framework.http
def tick(request: Request):
    body = request.get_data(cache=False, as_text=True)
    if body.strip():
        try:
            payload = json.loads(body)
        except json.JSONDecodeError as exc:
            return _reply(400, {"status": "bad_request", "error": f"body is not JSON: {exc}"})
        if not isinstance(payload, dict):
            return _reply(400, {"status": "bad_request", "error": "body must be a JSON object"})
    settings, warehouse, landing, runner = _wiring()
    result = trigger.tick(settings, warehouse, landing, runner)
    log.info("tick: %s", result)
    return _reply(500 if result.get("status") == "failed" else 200, result)


def _reply(code: int, payload: dict):
    return json.dumps(payload, default=str), code, {"Content-Type": "application/json"}
