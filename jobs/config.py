"""Environment settings: the one loader for `env/<name>/config.toml`.

Jobs, the trigger function, infra and the Makefile all read settings through
`load()`, so an environment is described in exactly one place. Validation is
strict (unknown keys are errors) because a typo in a config file should stop a
deploy, not silently fall back to a default.

Two environment variables override the local paths, for tools and tests:
`TICKETS_LANDING` (the landing folder) and `TICKETS_WAREHOUSE` (the DuckDB file).
`TICKETS_ENV` selects the environment when none is passed, and `TICKETS_ENV_DIR`
points at another folder of environments (tests use it for small windows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
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
    """Targets in calendar hours per priority (DESIGN §3)."""

    first_response_hours: dict[str, float]
    resolution_hours: dict[str, float]


@dataclass(frozen=True)
class SimulationSettings:
    year: int
    start: dt.date
    end: dt.date
    backfill_from: dt.date
    backfill_to: dt.date
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


@dataclass(frozen=True)
class GcpSettings:
    project: str
    region: str
    dataset: str
    dataset_location: str
    landing_bucket: str
    artifacts_bucket: str
    staging_bucket: str
    state_bucket: str
    schedule: str
    schedule_time_zone: str
    dataproc_runtime: str
    function_runtime: str
    subnetwork_cidr: str
    alert_email: str
    deletion_protection: bool
    require_partition_filter: bool
    github_repository: str

    @property
    def staging_dataset(self) -> str:
        """Per-run staging tables of the commit; the dataset expires them (DESIGN §5)."""
        return f"{self.dataset}_staging"


@dataclass(frozen=True)
class Settings:
    name: str
    platform: str  # "local" or "gcp"
    time_zone: str
    sla: SlaPolicy
    simulation: SimulationSettings
    spark: SparkSettings
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

    sim = reader.section("simulation")
    simulation = SimulationSettings(
        year=sim.int("year"),
        start=sim.date("start"),
        end=sim.date("end"),
        backfill_from=sim.date("backfill_from"),
        backfill_to=sim.date("backfill_to"),
        scale=sim.float("scale"),
        seed=sim.int("seed"),
        defect_rate=sim.float("defect_rate"),
    )
    sim.done()
    _check_simulation(simulation, path)

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
            values[f.name] = section.bool(f.name) if f.type == "bool" else section.str(f.name)
        section.done()
        gcp = GcpSettings(**values)
    reader.done()
    return Settings(
        name=name,
        platform=platform,
        time_zone=time_zone,
        sla=policy,
        simulation=simulation,
        spark=spark,
        local=local,
        gcp=gcp,
        source=path,
    )


def _check_simulation(sim: SimulationSettings, path: Path) -> None:
    if not sim.start <= sim.end:
        raise ConfigError(f"{path}: simulation.start {sim.start} is after simulation.end {sim.end}")
    if not sim.start <= sim.backfill_from <= sim.backfill_to <= sim.end:
        raise ConfigError(f"{path}: the backfill range must lie within simulation.start..end")
    if sim.start.year != sim.year or sim.end.year != sim.year:
        raise ConfigError(
            f"{path}: simulation.start and end must lie in simulation.year {sim.year}"
        )
    if sim.scale <= 0:
        raise ConfigError(f"{path}: simulation.scale must be positive")
    if not 0 <= sim.defect_rate < 0.5:
        raise ConfigError(f"{path}: simulation.defect_rate must be in [0, 0.5)")


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

    def date(self, key: str) -> dt.date:
        text = self.str(key)
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ConfigError(f"{self.where}.{key}: {text!r} is not a YYYY-MM-DD date") from exc

    def section(self, key: str) -> _Reader:
        return _Reader(self._get(key, (dict,), "a table"), f"{self.where} [{key}]")

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key(s) {', '.join(unknown)}")
