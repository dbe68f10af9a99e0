"""Environment settings: the one loader for `env/<name>/config.toml`.

Jobs, the trigger function, infra and the Makefile all read settings through
`load()`, so an environment is described in exactly one place. Validation is
strict (unknown keys are errors) because a typo in a config file should stop a
deploy, not silently fall back to a default.

Two environment variables override the local paths, for tools and tests:
`TICKETS_LANDING` (the landing folder) and `TICKETS_WAREHOUSE` (the DuckDB file).
`TICKETS_YEARS` makes a simulated feed N whole years long, from its start's year
(`make data YEARS=2`).
`TICKETS_ENV` selects the environment when none is passed, and `TICKETS_ENV_DIR`
points at another folder of environments (tests use it for small windows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = REPO_ROOT / "env"
PRIORITIES = ("urgent", "high", "normal", "low")


class ConfigError(ValueError):
    """A config file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in calendar hours per priority (docs/kpis.md "SLA policy")."""

    first_response_hours: dict[str, float]
    resolution_hours: dict[str, float]


@dataclass(frozen=True)
class ProcessingSettings:
    """The processing window: a first day and no last one; every later day is processed
    once its extract has landed (in a simulation, up to the simulated feed's last day)."""

    start: dt.date


@dataclass(frozen=True)
class SimulationSettings:
    """The generated feed of an environment that simulates one (the generator's settings)."""

    end: dt.date  # the feed's last day, where a simulated run stops
    backfill_to: dt.date  # `make backfill`'s default last day; the ticks take the rest
    scale: float
    seed: int
    defect_rate: float


@dataclass(frozen=True)
class LocalSettings:
    landing: Path
    warehouse: Path


@dataclass(frozen=True)
class SparkSettings:
    master: str = "local[2]"
    driver_memory: str = "2g"
    shuffle_partitions: int = 4


# Buckets are named `<project>-<purpose>`: project ids are globally unique, so these are too.
BUCKET_PURPOSES = {
    "landing_bucket": "landing",
    "artifacts_bucket": "artifacts",
    "staging_bucket": "staging",
    "state_bucket": "tfstate",
}


@dataclass(frozen=True)
class GcpSettings:
    project: str
    region: str
    dataset: str
    dataset_location: str
    schedule: str
    schedule_time_zone: str
    dataproc_runtime: str
    function_runtime: str
    subnetwork_cidr: str
    alert_email: str
    deletion_protection: bool
    require_partition_filter: bool
    github_repository: str
    github_repository_id: str  # numeric ids: a renamed or re-created repository is not trusted
    github_repository_owner_id: str
    # Dataproc batch memory, JVM notation ("4g", "512m"), for a driver and executors of
    # BATCH_CORES cores each; the Python processes live in the overheads.
    # Sized from `make bench` (docs/performance.md#sizing-dataproc-batches).
    batch_driver_memory: str
    batch_driver_memory_overhead: str
    batch_executor_memory: str
    batch_executor_memory_overhead: str
    # The most executors dynamic allocation may run for one batch: a daily batch, and a
    # backfill or replay. Dataproc Serverless starts every batch with 2, its minimum;
    # docs/scale.md sizes these by volume.
    batch_daily_max_executors: int
    batch_backfill_max_executors: int
    # VPC flow logs of the batches' subnetwork: the share of flows sampled (0 to 1), and
    # INCLUDE_ALL_METADATA or EXCLUDE_ALL_METADATA; both drive the logs' volume and cost.
    flow_log_sampling: float
    flow_log_metadata: str
    # Who runs `make upload`, `make status`, `make backfill` against the environment
    # (IAM principals such as "group:data-eng@example.com"); the stack grants them that.
    operators: tuple[str, ...] = ()
    # Derived from `project` by the loader (BUCKET_PURPOSES), never written in a config.
    landing_bucket: str = ""
    artifacts_bucket: str = ""
    staging_bucket: str = ""
    state_bucket: str = ""

    @property
    def staging_dataset(self) -> str:
        """Per-run staging tables of the commit; the dataset expires them (docs/design.md)."""
        return f"{self.dataset}_staging"


@dataclass(frozen=True)
class Settings:
    name: str
    platform: str  # "local" or "gcp"
    time_zone: str
    sla: SlaPolicy
    processing: ProcessingSettings
    spark: SparkSettings
    simulation: SimulationSettings | None = None
    local: LocalSettings | None = None
    gcp: GcpSettings | None = None
    source: Path = field(default=ENV_DIR, compare=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def available_environments() -> list[str]:
    """Every folder under env/ with a config.toml is an environment."""
    return sorted(p.parent.name for p in ENV_DIR.glob("*/config.toml"))


def load(name: str | None = None, env_dir: Path | None = None) -> Settings:
    """Load and validate `env/<name>/config.toml` (default: $TICKETS_ENV or `local`)."""
    name = name or os.environ.get("TICKETS_ENV") or "local"
    env_dir = Path(env_dir or os.environ.get("TICKETS_ENV_DIR") or ENV_DIR)
    path = env_dir / name / "config.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.parent.name for p in env_dir.glob("*/config.toml")))
        raise ConfigError(f"no environment {name!r}: {path} does not exist (known: {known})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return _parse(raw, path)


def _parse(raw: dict, path: Path) -> Settings:
    reader = _Reader(raw, str(path))
    name = reader.str("name")
    if name != path.parent.name:
        raise ConfigError(f"{path}: name = {name!r} must match its folder {path.parent.name!r}")
    platform = reader.str("platform")
    if platform not in ("local", "gcp"):
        raise ConfigError(f"{path}: platform must be 'local' or 'gcp', not {platform!r}")

    business = reader.section("business")
    time_zone = business.str("time_zone")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: unknown time zone {time_zone!r}") from exc
    business.done()

    sla = reader.section("sla")
    policy = SlaPolicy(
        first_response_hours=_per_priority(sla.section("first_response_hours")),
        resolution_hours=_per_priority(sla.section("resolution_hours")),
    )
    sla.done()

    window = reader.section("processing")
    processing = ProcessingSettings(start=window.date("start"))
    window.done()

    simulation = None
    if reader.has("simulation"):
        sim = reader.section("simulation")
        simulation = SimulationSettings(
            end=_years_override(sim.date("end"), processing.start),
            backfill_to=sim.date("backfill_to"),
            scale=sim.float("scale"),
            seed=sim.int("seed"),
            defect_rate=sim.float("defect_rate"),
        )
        sim.done()
        _check_simulation(simulation, processing, path)

    spark_raw = reader.section("spark")
    spark = SparkSettings(
        master=spark_raw.str("master"),
        driver_memory=spark_raw.str("driver_memory"),
        shuffle_partitions=spark_raw.int("shuffle_partitions"),
    )
    spark_raw.done()

    local = gcp = None
    if platform == "local":
        loc = reader.section("local")
        local = LocalSettings(
            landing=_path_override("TICKETS_LANDING", loc.str("landing")),
            warehouse=_path_override("TICKETS_WAREHOUSE", loc.str("warehouse")),
        )
        loc.done()
    else:
        section = reader.section("gcp")
        values = {}
        for f in dataclasses.fields(GcpSettings):
            if f.name in BUCKET_PURPOSES:
                continue
            read = {
                "bool": section.bool,
                "int": section.int,
                "float": section.float,
                "tuple[str, ...]": section.principals,
            }.get(f.type)
            values[f.name] = (read or section.str)(f.name)
        section.done()
        gcp = _checked_gcp(GcpSettings(**values), path)
    reader.done()
    return Settings(
        name=name,
        platform=platform,
        time_zone=time_zone,
        sla=policy,
        processing=processing,
        spark=spark,
        simulation=simulation,
        local=local,
        gcp=gcp,
        source=path,
    )


def _years_override(end: dt.date, start: dt.date) -> dt.date:
    """The feed's last day: Dec 31 of the N-th year when TICKETS_YEARS=N, else `end`."""
    years = os.environ.get("TICKETS_YEARS", "").strip()
    if not years:
        return end
    if not years.isdigit() or not 1 <= int(years) <= 20:
        raise ConfigError(f"TICKETS_YEARS must be a whole number of years, 1 to 20, not {years!r}")
    return dt.date(start.year + int(years) - 1, 12, 31)


def _check_simulation(sim: SimulationSettings, window: ProcessingSettings, path: Path) -> None:
    if not window.start <= sim.backfill_to <= sim.end:
        raise ConfigError(
            f"{path}: simulation.backfill_to must lie within processing.start..simulation.end"
        )
    if sim.scale <= 0:
        raise ConfigError(f"{path}: simulation.scale must be positive")
    if not 0 <= sim.defect_rate < 0.5:
        raise ConfigError(f"{path}: simulation.defect_rate must be in [0, 0.5)")


# Cloud Storage's rules for bucket names (https://cloud.google.com/storage/docs/buckets#naming),
# for names without dots; and Google's for project ids.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]")
_PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_NUMERIC_ID = re.compile(r"[1-9][0-9]*")


def with_buckets(gcp: GcpSettings) -> GcpSettings:
    """`gcp` with each bucket named `<project>-<purpose>`, checked against the naming rules."""
    if not _PROJECT_ID.fullmatch(gcp.project):
        raise ConfigError(
            f"gcp.project {gcp.project!r} is not a Google Cloud project id "
            "(6-30 lowercase letters, digits and hyphens, starting with a letter)"
        )
    names = {key: f"{gcp.project}-{purpose}" for key, purpose in BUCKET_PURPOSES.items()}
    for name in names.values():
        if not _BUCKET_NAME.fullmatch(name) or name.startswith("goog") or "google" in name:
            raise ConfigError(
                f"bucket name {name!r} (derived from gcp.project) breaks Cloud Storage's "
                "naming rules (3-63 characters of a-z, 0-9, '-' and '_'; no 'goog' prefix, "
                "no 'google')"
            )
    return dataclasses.replace(gcp, **names)


# Dataproc Serverless (standard compute tier): 4, 8 or 16 cores per driver and executor,
# and between 1024m and 7424m of memory per core, overhead included. Both overheads are
# set explicitly, so no default of the runtime's is assumed
# (docs/performance.md#sizing-dataproc-batches).
BATCH_CORES = 4
# A subnetwork's flow-log metadata choices, less CUSTOM_METADATA (the Terraform Google
# provider's google_compute_subnetwork `log_config.metadata`, read 2026-12-07).
FLOW_LOG_METADATA = ("INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA")
MEMORY_PER_CORE_MB = (1024, 7424)
# The fewest executors a batch runs: spark.dynamicAllocation.minExecutors' default and
# minimum (cloud.google.com/dataproc-serverless/docs/concepts/properties, read 2026-12-07).
MIN_EXECUTORS = 2
_JVM_MEMORY = re.compile(r"(\d+)([mg])")


def memory_mb(text: str) -> int:
    """A JVM memory string ("4g", "512m") in MiB."""
    match = _JVM_MEMORY.fullmatch(text.strip().lower())
    if not match:
        raise ConfigError(f"{text!r} is not a JVM memory size such as 512m or 4g")
    return int(match[1]) * (1024 if match[2] == "g" else 1)


def batch_memory_mb(gcp: GcpSettings) -> dict[str, int]:
    """What a batch's driver and each executor hold, overhead included, in MiB."""
    return {
        "driver": memory_mb(gcp.batch_driver_memory) + memory_mb(gcp.batch_driver_memory_overhead),
        "executor": memory_mb(gcp.batch_executor_memory)
        + memory_mb(gcp.batch_executor_memory_overhead),
    }


def _checked_gcp(gcp: GcpSettings, path: Path) -> GcpSettings:
    low, high = MEMORY_PER_CORE_MB
    try:
        totals = batch_memory_mb(gcp)
    except ConfigError as exc:
        raise ConfigError(f"{path}: gcp batch memory: {exc}") from None
    for role, total in totals.items():
        if not low * BATCH_CORES <= total <= high * BATCH_CORES:
            raise ConfigError(
                f"{path}: a Dataproc {role} of {BATCH_CORES} cores holds {low * BATCH_CORES}m to "
                f"{high * BATCH_CORES}m with its overhead; gcp.batch_{role}_memory makes {total}m"
            )
    if not MIN_EXECUTORS <= gcp.batch_daily_max_executors <= gcp.batch_backfill_max_executors:
        raise ConfigError(
            f"{path}: gcp.batch_daily_max_executors and gcp.batch_backfill_max_executors must "
            f"be at least {MIN_EXECUTORS} (Dataproc Serverless's minimum), the daily at most "
            f"the backfill's; they are {gcp.batch_daily_max_executors} and "
            f"{gcp.batch_backfill_max_executors}"
        )
    if not 0 < gcp.flow_log_sampling <= 1:
        raise ConfigError(
            f"{path}: gcp.flow_log_sampling must be in (0, 1], not {gcp.flow_log_sampling}"
        )
    if gcp.flow_log_metadata not in FLOW_LOG_METADATA:
        raise ConfigError(
            f"{path}: gcp.flow_log_metadata must be one of {', '.join(FLOW_LOG_METADATA)}, "
            f"not {gcp.flow_log_metadata!r}"
        )
    for key in ("github_repository_id", "github_repository_owner_id"):
        if not _NUMERIC_ID.fullmatch(getattr(gcp, key)):
            raise ConfigError(
                f"{path}: gcp.{key} must be the numeric id GitHub gives it "
                f"(gh api repos/OWNER/REPO --jq '.id, .owner.id'), not {getattr(gcp, key)!r}"
            )
    try:
        return with_buckets(gcp)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _per_priority(section: _Reader) -> dict[str, float]:
    hours = {p: section.float(p) for p in PRIORITIES}
    section.done()
    for priority, value in hours.items():
        if value <= 0:
            raise ConfigError(f"{section.where}.{priority}: SLA hours must be positive")
    return hours


def _path_override(variable: str, configured: str) -> Path:
    value = os.environ.get(variable) or configured
    path = Path(value)
    return path if path.is_absolute() else REPO_ROOT / path


class _Reader:
    """Typed access to one TOML table that remembers which keys were used."""

    def __init__(self, table: dict, where: str):
        self.table, self.where, self.used = table, where, set()

    def _get(self, key: str, kinds: tuple[type, ...], label: str):
        if key not in self.table:
            raise ConfigError(f"{self.where}: missing key {key!r}")
        value = self.table[key]
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(f"{self.where}.{key}: expected {label}, got {value!r}")
        if not isinstance(value, kinds):
            raise ConfigError(f"{self.where}.{key}: expected {label}, got {value!r}")
        self.used.add(key)
        return value

    def str(self, key: str) -> str:
        return self._get(key, (str,), "a string")

    def int(self, key: str) -> int:
        return self._get(key, (int,), "an integer")

    def float(self, key: str) -> float:
        return float(self._get(key, (int, float), "a number"))

    def bool(self, key: str) -> bool:
        return self._get(key, (bool,), "true or false")

    def principals(self, key: str) -> tuple[str, ...]:
        """A list of IAM principals (`group:...`, `user:...`, `serviceAccount:...`)."""
        values = self._get(key, (list,), "a list of IAM principals")
        for value in values:
            kind = value.partition(":")[0] if isinstance(value, str) else None
            if kind not in ("user", "group", "serviceAccount", "domain"):
                raise ConfigError(
                    f"{self.where}.{key}: {value!r} is not an IAM principal "
                    "(user:, group:, serviceAccount: or domain: followed by its name)"
                )
        return tuple(values)

    def date(self, key: str) -> dt.date:
        text = self.str(key)
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ConfigError(f"{self.where}.{key}: {text!r} is not a YYYY-MM-DD date") from exc

    def has(self, key: str) -> bool:
        return key in self.table

    def section(self, key: str) -> _Reader:
        return _Reader(self._get(key, (dict,), "a table"), f"{self.where} [{key}]")

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key(s) {', '.join(unknown)}")
