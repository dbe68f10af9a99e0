"""`make preflight ENV=<cloud env>`: what would stop the first deploy or backfill, found first.

A new project's regional quotas can be lower than what a batch requests, and
Dataproc then refuses or starves the batch only after it was submitted; and the
shipped configs hold example values that would deploy an environment no one can
operate. So, before `make deploy` (with `--deploy`) and before every cloud
`make backfill` and `make replay`:

- **Quotas.** The largest batch the runner builds (functions/runners/dataproc.py
  `build_batch`, in the backfill/replay shape) against the project's limits in the
  environment's region, read with the Cloud Quotas API. One line per quota; a short
  one fails with the quota, the need and the limit. The limit is compared, not the
  free capacity: other VMs in the region use the same quota (usage is in Cloud
  Monitoring, which this does not read).
- **Example values.** Principals and addresses at domains reserved for examples,
  the example GitHub owner and the sample repository ids of env/dev and env/prod.
  Reported; fatal with `--deploy` (`make deploy`), before anything is packaged.

The facts it relies on, each with its source (read 2026-12-07):

- Serverless for Apache Spark batches on the standard compute and disk tiers (the
  default; the runner sets no tier) consume the Compute Engine regional quotas CPUS
  and DISKS_TOTAL_GB; Dataproc's own quotas are request rates and concurrent
  operations. https://cloud.google.com/dataproc-serverless/quotas (copy dated
  2025-08-25; its example: a driver of 4 cores and 2 executors of 4 make 12 vCPUs).
- Their Cloud Quotas ids and metrics: `QUOTAS` below. A QuotaInfo's limit for a
  region is the `dimensionsInfos` entry whose `region` dimension is that region; an
  entry without a `region` dimension applies to every region not listed.
  https://cloud.google.com/docs/quotas/reference/rest (QuotaInfo, DimensionsInfo).
  Reading one needs `cloudquotas.quotas.get` on the project (roles/cloudquotas.viewer).
- `spark.driver.cores` and `spark.executor.cores` default to 4, `spark.executor.instances`
  to 2, `spark.dynamicAllocation.maxExecutors` to 1000, and `spark.dataproc.driver.disk.size`
  and `spark.dataproc.executor.disk.size` to 100 GiB per core.
  https://cloud.google.com/dataproc-serverless/docs/concepts/properties (the disk default
  as an earlier copy of that page states it). The runner sets every one of these but
  the disks, so only the disk default decides a figure here.

`CLOUD_QUOTAS_API_ENDPOINT` points the client at another endpoint over REST with
anonymous credentials (the rehearsal's stand-in, rehearsal/quotas.py), like
`DATAPROC_API_ENDPOINT` for the runner.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jobs.config import REPO_ROOT, Settings

ENDPOINT_VARIABLE = "CLOUD_QUOTAS_API_ENDPOINT"
QUOTAS_API = "cloudquotas.googleapis.com"
PERMISSION = "cloudquotas.quotas.get"
ROLE = "roles/cloudquotas.viewer"
REQUEST_MORE = "https://console.cloud.google.com/iam-admin/quotas"


@dataclass(frozen=True)
class Quota:
    name: str  # Compute Engine's name, as the quotas page writes it
    quota_id: str  # Cloud Quotas' id
    metric: str
    lower: str  # what to lower instead of asking for more


CPUS = Quota(
    "CPUS", "CPUS-per-project-region", "compute.googleapis.com/cpus",
    "gcp.batch_backfill_max_executors in env/<name>/config.toml",
)  # fmt: skip
DISKS = Quota(
    "DISKS_TOTAL_GB", "DISKS-TOTAL-GB-per-project-region",
    "compute.googleapis.com/disks_total_storage",
    "the disks with spark.dataproc.driver.disk.size and spark.dataproc.executor.disk.size "
    "in functions/runners/dataproc.py SPARK_PROPERTIES",
)  # fmt: skip
QUOTAS = (CPUS, DISKS)

# Serverless defaults for what a batch leaves unset (the properties page, above).
DEFAULT_CORES = 4
DEFAULT_EXECUTORS = 2
DEFAULT_MAX_EXECUTORS = 1000
DEFAULT_DISK_GIB_PER_CORE = 100

# The code URIs do not size a batch, and the archives may not be built yet.
_SIZING_ONLY = {
    "JOB_ENTRYPOINT_URI": "gs://preflight/entrypoint.py",
    "JOB_ARCHIVE_URI": "gs://preflight/jobs.zip",
    "JOB_DEPS_URI": "gs://preflight/deps.zip",
}


class PreflightError(RuntimeError):
    """A check that could not run (refused, API disabled, no credentials): one line."""


# --- what a batch can request ------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    quota: Quota
    amount: int
    shape: str  # "backfill": the batch that asks for it
    working: str  # how the amount adds up, for the message


def batch_needs(settings: Settings) -> dict[Quota, Need]:
    """Per quota, the most that any batch shape the runner builds can request."""
    from functions.runners import dataproc

    runner = dataproc.DataprocRunner(settings, environ=_SIZING_ONLY)
    shapes = {  # what start() and submit_backfill() / submit_replay() pass build_batch
        "daily": (settings.gcp.batch_daily_max_executors, dataproc.DAILY_TTL_SECONDS),
        "backfill": (settings.gcp.batch_backfill_max_executors, dataproc.BACKFILL_TTL_SECONDS),
    }
    largest: dict[Quota, Need] = {}
    for shape, (executors, ttl) in shapes.items():
        batch = runner.build_batch([], "tickets-preflight", executors, ttl)
        for need in needs_of(dict(batch.runtime_config.properties), shape):
            if need.quota not in largest or need.amount >= largest[need.quota].amount:
                largest[need.quota] = need
    return largest


def needs_of(properties: Mapping[str, str], shape: str) -> list[Need]:
    """What a batch of these Spark properties can hold at its largest: the driver and the
    most executors dynamic allocation may start, with their cores and disks."""
    driver_cores = int(properties.get("spark.driver.cores", DEFAULT_CORES))
    executor_cores = int(properties.get("spark.executor.cores", DEFAULT_CORES))
    executors = int(properties.get("spark.executor.instances", DEFAULT_EXECUTORS))
    if properties.get("spark.dynamicAllocation.enabled", "true").lower() != "false":
        keys = ("maxExecutors", "initialExecutors", "minExecutors")
        counts = [int(properties[f"spark.dynamicAllocation.{k}"]) for k in keys
                  if f"spark.dynamicAllocation.{k}" in properties]  # fmt: skip
        if "spark.dynamicAllocation.maxExecutors" not in properties:
            counts.append(DEFAULT_MAX_EXECUTORS)
        executors = max([executors, *counts])
    driver_disk = _disk_gib(properties.get("spark.dataproc.driver.disk.size"), driver_cores)
    executor_disk = _disk_gib(properties.get("spark.dataproc.executor.disk.size"), executor_cores)
    return [
        Need(
            CPUS, driver_cores + executors * executor_cores, shape,
            f"driver {driver_cores} + {executors} executors × {executor_cores}",
        ),
        Need(
            DISKS, driver_disk + executors * executor_disk, shape,
            f"driver {driver_disk} + {executors} executors × {executor_disk} GB",
        ),
    ]  # fmt: skip


_SIZE = re.compile(r"(\d+)\s*([kmgt])(?:i?b)?", re.IGNORECASE)
_PER_GIB = {"k": 1 / 1024**2, "m": 1 / 1024, "g": 1, "t": 1024}


def _disk_gib(size: str | None, cores: int) -> int:
    """A disk size property ("400g", "1t") in whole GiB, or the default for `cores`; taken
    one for one as DISKS_TOTAL_GB's GB (Compute Engine sizes its disks in whole GB)."""
    if size is None:
        return DEFAULT_DISK_GIB_PER_CORE * cores
    match = _SIZE.fullmatch(size.strip())
    if not match:
        raise ValueError(f"disk size {size!r} is not a size such as 400g or 1t")
    return math.ceil(int(match[1]) * _PER_GIB[match[2].lower()])


# --- what the project allows -------------------------------------------------------------


def regional_limit(info, region: str) -> int | None:
    """The limit of a QuotaInfo in `region`: its entry for the region, else the entry
    without a region (which applies to the regions not listed); None if neither."""
    fallback = None
    for entry in info.dimensions_infos:
        where = entry.dimensions.get("region")
        if where == region:
            return int(entry.details.value)
        if where is None and fallback is None:
            fallback = int(entry.details.value)
    return fallback


def new_client(environ: Mapping[str, str] | None = None):
    from google.cloud import cloudquotas_v1

    environ = os.environ if environ is None else environ
    endpoint = environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        if "://" not in endpoint:
            endpoint = f"http://{endpoint}"  # a local stand-in, like DATAPROC_API_ENDPOINT
        return cloudquotas_v1.CloudQuotasClient(
            transport="rest",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": endpoint},
        )
    return cloudquotas_v1.CloudQuotasClient()


def read_limit(client, project: str, region: str, quota: Quota, env: str = "dev") -> int | None:
    """The project's limit of `quota` in `region`; PreflightError when it cannot be read."""
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions

    name = f"projects/{project}/locations/global/services/compute.googleapis.com/quotaInfos/"
    try:
        info = client.get_quota_info(name=name + quota.quota_id, timeout=60)
    except auth_exceptions.DefaultCredentialsError as exc:
        raise _no_credentials(project, exc) from None
    except exceptions.GoogleAPICallError as exc:
        said = re.sub(r"^[A-Z]+ \S+: ", "", _first_line(exc.message or str(exc)))[:300]
        if exc.code == 403 and (
            getattr(exc, "reason", None) == "SERVICE_DISABLED" or "has not been used" in said
        ):
            raise PreflightError(
                f"preflight: the Cloud Quotas API ({QUOTAS_API}) is not enabled for {project}: "
                f"make bootstrap ENV={env} enables it (or gcloud services enable {QUOTAS_API} "
                f"--project {project}); wait a minute, then run again (Google said: {said})"
            ) from None
        if exc.code == 403:
            raise PreflightError(
                f"preflight: reading quota {quota.quota_id} of {project} was refused: it needs "
                f"the permission {PERMISSION} ({ROLE}); the stack grants it to gcp.operators, "
                f"before the first deploy grant it yourself: gcloud projects "
                f"add-iam-policy-binding {project} --member=user:YOU --role={ROLE} "
                f"(Google said: {said})"
            ) from None
        raise PreflightError(
            f"preflight: could not read quota {quota.quota_id} of {project}: {exc.code} {said}"
        ) from None
    except exceptions.GoogleAPIError as exc:  # a retry that gave up, no answer at all
        raise PreflightError(
            f"preflight: could not read quota {quota.quota_id} of {project}: {exc}"
        ) from None
    return regional_limit(info, region)


def _no_credentials(project: str, exc: Exception) -> PreflightError:
    return PreflightError(
        f"preflight: no Google credentials to read the quotas of {project} "
        f"({_first_line(str(exc))}): gcloud auth application-default login"
    )


def check_quotas(settings: Settings, client=None) -> list[tuple[bool, str]]:
    """(whether it suffices, one line) per quota; PreflightError if a limit can't be read."""
    from google.auth import exceptions as auth_exceptions

    gcp = settings.gcp
    if client is None:
        try:
            client = new_client()
        except auth_exceptions.DefaultCredentialsError as exc:  # the gRPC client looks early
            raise _no_credentials(gcp.project, exc) from None
    lines = []
    for quota, need in batch_needs(settings).items():
        limit = read_limit(client, gcp.project, gcp.region, quota, env=settings.name)
        where = f"Compute Engine {quota.name} in {gcp.region} (quota {quota.quota_id})"
        asks = f"a {need.shape} batch can request {need.amount} ({need.working})"
        if limit is None:
            lines.append((False, (
                f"preflight: {where} has no limit for {gcp.region} in the Cloud Quotas API, and "
                f"{asks}: check gcp.region in {_relative(settings.source)}"
            )))  # fmt: skip
        elif 0 <= limit < need.amount:  # a negative limit is no limit (-1: unlimited)
            lines.append((False, (
                f"preflight: {where} is {limit}, and {asks}: ask for {need.amount} or more at "
                f"{REQUEST_MORE}?project={gcp.project}, or lower {quota.lower}"
            )))  # fmt: skip
        else:
            shown = "unlimited" if limit < 0 else limit
            lines.append((True, f"preflight: {where}: limit {shown}, and {asks}: enough"))
    return lines


# --- example values ----------------------------------------------------------------------

# RFC 2606: example.com, .net and .org (and their subdomains) and the top-level
# domains .example, .test, .invalid and .localhost are reserved, never anyone's.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
# What env/dev and env/prod ship for the GitHub repository that may plan in CI.
EXAMPLE_GITHUB_OWNERS = ("example-org",)
SAMPLE_GITHUB_IDS = {"github_repository_id": "123456789", "github_repository_owner_id": "98765432"}


@dataclass(frozen=True)
class Placeholder:
    key: str  # "gcp.operators"
    value: str
    why: str  # what makes it an example
    fix: str  # what to put there


def reserved_domain(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    return domain.rsplit(".", 1)[-1] in RESERVED_TLDS or any(
        domain == reserved or domain.endswith(f".{reserved}") for reserved in RESERVED_DOMAINS
    )


def placeholders(settings: Settings) -> list[Placeholder]:
    """The example values in a cloud environment's config, one per key and value."""
    gcp = settings.gcp
    found = []
    for principal in gcp.operators:
        domain = principal.partition(":")[2].rpartition("@")[2]
        if reserved_domain(domain):
            found.append(Placeholder(
                "gcp.operators", principal, f"RFC 2606 reserves {domain} for examples",
                "the group or users who upload, read the status and run backfills",
            ))  # fmt: skip
    domain = gcp.alert_email.rpartition("@")[2]
    if reserved_domain(domain):
        found.append(Placeholder(
            "gcp.alert_email", gcp.alert_email, f"RFC 2606 reserves {domain} for examples",
            "the address that receives the environment's alerts",
        ))  # fmt: skip
    owner = gcp.github_repository.partition("/")[0]
    if owner.lower() in EXAMPLE_GITHUB_OWNERS:
        found.append(Placeholder(
            "gcp.github_repository", gcp.github_repository, f"{owner} is the example owner",
            "your repository, OWNER/NAME, whose pull requests are planned in CI",
        ))  # fmt: skip
    for key, sample in SAMPLE_GITHUB_IDS.items():
        if getattr(gcp, key) == sample:
            found.append(Placeholder(
                f"gcp.{key}", sample, "it is the sample id the shipped configs hold",
                "the numeric id from gh api repos/OWNER/REPO --jq '.id, .owner.id'",
            ))  # fmt: skip
    return found


def placeholder_line(settings: Settings, found: Placeholder) -> str:
    return (
        f"preflight: {found.key} = {found.value!r} in {_relative(settings.source)} is an "
        f"example ({found.why}): put {found.fix} there"
    )


# --- the command -------------------------------------------------------------------------


def run(
    settings: Settings,
    deploy: bool = False,
    client=None,
    quiet: bool = False,
    quotas: bool = True,
) -> int:
    """`make preflight` (and, with `deploy`, the start of `make deploy`): exit status 0 when
    nothing would stop the deploy or a backfill. `quiet` sends the lines of a passing
    preflight to stderr (make backfill and make replay print only their batch on stdout).
    Without `quotas` only the example values are checked: `make bootstrap`, which runs
    before the Cloud Quotas API is enabled and would otherwise trust the sample GitHub
    repository ids."""
    out = sys.stderr if quiet else sys.stdout
    if settings.platform != "gcp":
        print(f"preflight: {settings.name} is a local environment: nothing to check", file=out)
        return 0
    found = placeholders(settings)
    for each in found:
        print(placeholder_line(settings, each), file=sys.stderr if deploy else out)
    if deploy and found:
        print(
            f"preflight: the deploy stops here: replace the {len(found)} example value(s) "
            f"above in {_relative(settings.source)} (nothing was packaged or deployed)",
            file=sys.stderr,
        )
        return 1
    if not quotas:
        return 0
    try:
        checked = check_quotas(settings, client)
    except PreflightError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for enough, line in checked:
        print(line, file=out if enough else sys.stderr)
    return 0 if all(enough for enough, _ in checked) else 1


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
