"""The environment loader: the processing window, derived bucket names, strict values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from jobs import config, state
from tests.envs import write_env


def test_a_real_environment_has_a_start_and_no_last_day_but_yesterday():
    dev = config.load("dev")
    assert dev.simulation is None
    assert dev.processing.start == dt.date(2025, 1, 1)
    # 2026-01-01 02:00 in Kolkata is 2025-12-31 20:30 UTC: yesterday there is Dec 31
    now = dt.datetime(2025, 12, 31, 20, 30, tzinfo=dt.UTC)
    assert state.last_day(dev, now) == dt.date(2025, 12, 31)
    # a minute before midnight in Kolkata (18:29 UTC) it is still Dec 31 there
    before = dt.datetime(2025, 12, 31, 18, 29, tzinfo=dt.UTC)
    assert state.last_day(dev, before) == dt.date(2025, 12, 30)


def test_a_simulation_ends_where_its_feed_ends():
    local = config.load("local")
    assert local.simulation.end == dt.date(2025, 12, 31)
    assert state.last_day(local, dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) == dt.date(2025, 12, 31)


def test_buckets_are_named_after_the_project():
    gcp = config.load("dev").gcp
    assert (gcp.landing_bucket, gcp.artifacts_bucket, gcp.staging_bucket, gcp.state_bucket) == (
        "ops-tickets-dev-landing",
        "ops-tickets-dev-artifacts",
        "ops-tickets-dev-staging",
        "ops-tickets-dev-tfstate",
    )


@pytest.mark.parametrize(
    ("project", "problem"),
    [
        ("Ops-Tickets", "is not a Google Cloud project id"),
        ("ops", "is not a Google Cloud project id"),
        ("goog-tickets", "breaks Cloud Storage's naming rules"),
        ("my-google-data", "breaks Cloud Storage's naming rules"),
    ],
)
def test_a_project_that_gives_no_valid_bucket_names_is_refused(tmp_path, project, problem):
    with pytest.raises(config.ConfigError, match=problem):
        write_env(tmp_path, "qa", "dev", {'project = "ops-tickets-dev"': f'project = "{project}"'})


def test_the_repository_is_pinned_by_numeric_ids(tmp_path):
    with pytest.raises(config.ConfigError, match="github_repository_id must be the numeric id"):
        write_env(tmp_path, "qa", "dev", {'"123456789"': '"example-org/ops-ticket-analytics"'})


def test_operators_are_iam_principals(tmp_path):
    with pytest.raises(
        config.ConfigError, match=r"'data-eng@example\.com' is not an IAM principal"
    ):
        write_env(tmp_path, "qa", "dev", {'"group:data-eng@example.com"': '"data-eng@example.com"'})


def test_bucket_names_cannot_be_set_by_hand(tmp_path):
    with pytest.raises(config.ConfigError, match=r"unknown key.*landing_bucket"):
        write_env(
            tmp_path,
            "qa",
            "dev",
            {'region = "asia-south1"': 'region = "asia-south1"\nlanding_bucket = "mine"'},
        )


def test_the_generator_settings_live_only_in_a_simulation(tmp_path):
    with pytest.raises(config.ConfigError, match=r"\[processing\]: unknown key\(s\) scale"):
        write_env(
            tmp_path, "qa", "dev", {'start = "2025-01-01"': 'start = "2025-01-01"\nscale = 1.0'}
        )


def test_with_buckets_renames_them_for_another_project():
    gcp = dataclasses.replace(config.load("dev").gcp, project="other-proj")
    assert config.with_buckets(gcp).landing_bucket == "other-proj-landing"


def _dev_with(tmp_path, line: str):
    """env/dev with the line of `line`'s key replaced by `line`."""
    key = line.split(" = ")[0]
    original = next(
        text for text in (config.ENV_DIR / "dev" / "config.toml").read_text().splitlines()
        if text.startswith(f"{key} = ")
    )  # fmt: skip
    return write_env(tmp_path, "sized", "dev", {original: line})


@pytest.mark.parametrize(
    "line, problem",
    [
        ('batch_driver_memory = "40g"', "a Dataproc driver of 4 cores holds 4096m to 29696m"),
        ('batch_executor_memory = "2g"', "a Dataproc executor of 4 cores holds 4096m to 29696m"),
        ('batch_executor_memory_overhead = "30g"', "makes 34816m"),
        ('batch_executor_memory = "4 GB"', "'4 GB' is not a JVM memory size"),
    ],
)
def test_batch_memory_must_fit_a_dataproc_node_of_four_cores(tmp_path, line, problem):
    with pytest.raises(config.ConfigError, match=re.escape(problem)):
        _dev_with(tmp_path, line)


@pytest.mark.parametrize(
    "line, problem",
    [
        ("batch_daily_max_executors = 1", "must be at least 2 (Dataproc Serverless's minimum)"),
        ("batch_daily_max_executors = 7", "the daily at most the backfill's; they are 7 and 6"),
        ('batch_backfill_max_executors = "6"', "batch_backfill_max_executors"),
    ],
)
def test_executor_bounds_are_checked(tmp_path, line, problem):
    with pytest.raises(config.ConfigError, match=re.escape(problem)):
        _dev_with(tmp_path, line)


def test_the_batch_memory_of_each_environment_fits():
    for name in ("dev", "prod"):
        totals = config.batch_memory_mb(config.load(name).gcp)
        assert totals == {"driver": 4096 + 2048, "executor": 4096 + 1024}
