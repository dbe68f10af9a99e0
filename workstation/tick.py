"""`make daily ENV=<cloud env>`: one authenticated tick of the deployed trigger function.

In the cloud the daily job is the function's to start (it reads the state and
submits the batch for the next pending day), so a manual daily run asks the
function, exactly as Cloud Scheduler does: a POST with the Scheduler's JSON body
and an OIDC ID token whose audience is the function's URL.

The token comes from `google.oauth2.id_token.fetch_id_token`: a service-account
key or an impersonated-service-account file in GOOGLE_APPLICATION_CREDENTIALS,
or the metadata server on Google Cloud. The caller must be allowed to invoke the
function (run.invoker) and reach it: infra deploys it with internal ingress and
only the scheduler account as invoker, so from outside the project's network
`gcloud scheduler jobs run tickets-<env>-daily --location <region>` is the way.
"""

from __future__ import annotations

import json

from functions.contract import SCHEDULER_BODY

URL_VARIABLE = "FUNCTION_URL"


class TickError(RuntimeError):
    """The tick could not be sent (no URL, no credentials, the function unreachable)."""


def send(url: str, timeout: float = 180) -> tuple[int, dict]:
    """POST one Scheduler-shaped tick to `url`; returns (HTTP status, JSON reply)."""
    import google.auth.transport.requests
    import google.oauth2.id_token
    import requests
    from google.auth import exceptions

    if not url:
        raise TickError(
            f"no function URL: pass --url or set {URL_VARIABLE} "
            "(the stack output function_url, or: gcloud functions describe tickets-<env>-tick)"
        )
    try:
        token = google.oauth2.id_token.fetch_id_token(
            google.auth.transport.requests.Request(), audience=url
        )
    except exceptions.DefaultCredentialsError as exc:
        raise TickError(
            "no credentials for an ID token: set GOOGLE_APPLICATION_CREDENTIALS to a service "
            "account key or to 'gcloud auth application-default login "
            f"--impersonate-service-account=...' credentials ({_first_line(exc)})"
        ) from None
    except exceptions.GoogleAuthError as exc:
        raise TickError(f"could not get an ID token for {url}: {_first_line(exc)}") from None
    try:
        response = requests.post(
            url,
            json=SCHEDULER_BODY,  # what Cloud Scheduler sends
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise TickError(f"could not reach {url}: {_first_line(exc)}") from None
    try:
        reply = response.json()
    except ValueError:
        reply = {"status": "error", "error": response.text[:500]}
    if not isinstance(reply, dict):
        reply = {"status": "error", "error": json.dumps(reply)[:500]}
    if response.status_code in (401, 403):
        reply.setdefault(
            "hint",
            "the caller may not invoke the function (run.invoker) or is outside its "
            "internal ingress; 'gcloud scheduler jobs run' ticks it from inside",
        )
    return response.status_code, reply


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
