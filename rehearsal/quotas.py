"""A local stand-in for the Cloud Quotas REST API (quotaInfos.get only), as a real HTTP server.

The official `CloudQuotasClient` (REST transport) talks to it through
`CLOUD_QUOTAS_API_ENDPOINT` (workstation/preflight.py), so `make preflight` reads
its limits through the real client, its request encoding and its error mapping.
It answers like the API does (https://cloud.google.com/docs/quotas/reference/rest,
read 2026-12-07):

- `GET /v1/projects/{p}/locations/global/services/{service}/quotaInfos/{id}`
  returns a QuotaInfo in the API's JSON (camelCase, int64 values as strings): one
  `dimensionsInfos` entry per region the test set a limit for, then one without a
  `region` dimension, which applies to every other region;
- an unknown service or quota id answers 404 NOT_FOUND, a location other than
  `global` 400 INVALID_ARGUMENT (the API's rule for QuotaInfo names);
- `refuse(...)` makes every request fail as a real project can: 403 with the
  ErrorInfo reason `IAM_PERMISSION_DENIED` or `SERVICE_DISABLED`.

The default limits are generous, so a rehearsal passes unless a test lowers them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

from rehearsal.local_server import JsonHandler, google_error, serving_for

COMPUTE = "compute.googleapis.com"
# quota id -> (metric, display name, unit) as Compute Engine's QuotaInfo names them
QUOTAS = {
    "CPUS-per-project-region": (f"{COMPUTE}/cpus", "CPUs per project per region", "1"),
    "DISKS-TOTAL-GB-per-project-region": (
        f"{COMPUTE}/disks_total_storage",
        "Persistent disk standard (GB) per project per region",
        "GBy",
    ),
}
DEFAULT_LIMITS = {"CPUS-per-project-region": 200, "DISKS-TOTAL-GB-per-project-region": 20480}
# The regions listed as applicable to the entry without a region (the API lists them all).
OTHER_REGIONS = ("asia-south1", "asia-south2", "europe-west1", "us-central1", "us-east1")
REQUEST_QUOTA_URI = "https://console.cloud.google.com/iam-admin/quotas"


class QuotasStandIn:
    def __init__(self, limits: dict[str, int] | None = None) -> None:
        # quota id -> region (None: every region not listed) -> limit
        self.limits: dict[str, dict[str | None, int]] = {
            quota: {None: value} for quota, value in {**DEFAULT_LIMITS, **(limits or {})}.items()
        }
        self.gets: list[str] = []  # the QuotaInfo names asked for, in order
        self.refusal: str | None = None
        self._lock = threading.Lock()
        self.endpoint = ""  # http://127.0.0.1:PORT while serving

    # --- what tests use -----------------------------------------------------------------

    def set_limit(self, quota_id: str, value: int, region: str | None = None) -> None:
        """The limit of `quota_id` in `region`, or in every region not set (None)."""
        assert quota_id in QUOTAS, quota_id
        self.limits[quota_id][region] = value

    def refuse(self, reason: str | None) -> None:
        """Answer every request 403 for `reason` (IAM_PERMISSION_DENIED, SERVICE_DISABLED)."""
        assert reason in (None, "IAM_PERMISSION_DENIED", "SERVICE_DISABLED"), reason
        self.refusal = reason

    @contextlib.contextmanager
    def serving(self) -> Iterator[QuotasStandIn]:
        with serving_for(self, _Handler, "quotas") as url:
            self.endpoint = url
            yield self

    # --- the API ------------------------------------------------------------------------

    def get(self, name: str) -> tuple[int, dict]:
        with self._lock:
            self.gets.append(name)
            parts = name.split("/")
            # projects P locations L services S quotaInfos ID
            if len(parts) != 8 or parts[::2] != ["projects", "locations", "services", "quotaInfos"]:
                return 404, google_error(404, "NOT_FOUND", f"no route for {name}")
            project, location, service, quota_id = parts[1], parts[3], parts[5], parts[7]
            if self.refusal:
                return 403, _refused(self.refusal, project, name)
            if location != "global":
                return 400, google_error(
                    400, "INVALID_ARGUMENT", f"{name}: the location of a QuotaInfo is global"
                )
            if service != COMPUTE or quota_id not in self.limits:
                return 404, google_error(404, "NOT_FOUND", f"QuotaInfo {name} not found")
            return 200, self._quota_info(name, quota_id)

    def _quota_info(self, name: str, quota_id: str) -> dict:
        metric, display, unit = QUOTAS[quota_id]
        limits = self.limits[quota_id]
        regional = sorted((r, v) for r, v in limits.items() if r is not None)
        infos = [
            {"dimensions": {"region": region}, "details": {"value": str(value)},
             "applicableLocations": [region]}
            for region, value in regional
        ]  # fmt: skip
        if None in limits:  # the entry without a region comes last: less specific
            others = [r for r in OTHER_REGIONS if r not in dict(regional)]
            infos.append({"details": {"value": str(limits[None])}, "applicableLocations": others})
        return {
            "name": name,
            "quotaId": quota_id,
            "metric": metric,
            "service": COMPUTE,
            "isPrecise": True,
            "containerType": "PROJECT",
            "dimensions": ["region"],
            "metricDisplayName": metric.rsplit("/", 1)[-1],
            "quotaDisplayName": display,
            "metricUnit": unit,
            "quotaIncreaseEligibility": {"isEligible": True},
            "dimensionsInfos": infos,
            "serviceRequestQuotaUri": REQUEST_QUOTA_URI,
        }


class _Handler(JsonHandler):
    quotas: QuotasStandIn

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not path.startswith("/v1/"):
            return self._reply(404, google_error(404, "NOT_FOUND", f"no route {path}"))
        self._reply(*self.quotas.get(path.removeprefix("/v1/")))


def _refused(reason: str, project: str, name: str) -> dict:
    """The 403 bodies Google sends: the message, and an ErrorInfo naming the reason."""
    service = "cloudquotas.googleapis.com"
    if reason == "SERVICE_DISABLED":
        message = (
            f"Cloud Quotas API has not been used in project {project} before or it is disabled. "
            f"Enable it by visiting https://console.developers.google.com/apis/api/{service}/"
            f"overview?project={project} then retry."
        )
        metadata, domain = {"service": service, "consumer": f"projects/{project}"}, "googleapis.com"
    else:
        message = f"Permission 'cloudquotas.quotas.get' denied on resource '{name}'."
        metadata = {"permission": "cloudquotas.quotas.get", "resource": name}
        domain = "iam.googleapis.com"
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
            "domain": domain, "metadata": metadata}  # fmt: skip
    return google_error(403, "PERMISSION_DENIED", message, [info])
