"""Alerting: an email channel from the config, two log-based alert policies, and a
log-based metric with its alert.

- A Dataproc Serverless batch of this environment logs an error (a failed batch's
  driver logs the exception; the job marks the day failed in ingestion_state). Its
  filter matches this environment's batch ids only, so other workloads of the region
  and other environments of the project page nobody here.
- The trigger function logs an error, or Cloud Scheduler fails to deliver a
  tick (5xx, timeout, or the function refused the OIDC token).
- The trigger function found processed days whose extract was re-delivered
  (its `changed_extracts` warning, counted by the metric): their tables were
  computed from the old file until someone replays them.

Policies fire at most once per rate-limit period and close by themselves after a
day without new matches.
"""

from __future__ import annotations

from cdktn_provider_google.logging_metric import LoggingMetric, LoggingMetricMetricDescriptor
from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyAlertStrategyNotificationRateLimit,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionMatchedLog,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyDocumentation,
)
from cdktn_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from constructs import Construct

from functions.contract import CHANGED_EXTRACTS_EVENT
from functions.runners.dataproc import batch_id_pattern
from infra.naming import EnvNames

RATE_LIMIT = "3600s"
AUTO_CLOSE = "86400s"


def batch_failure_filter(names: EnvNames) -> str:
    return (
        'resource.type="cloud_dataproc_batch"'
        f' AND resource.labels.location="{names.region}"'
        f' AND resource.labels.batch_id=~"{batch_id_pattern(names.env)}"'
        " AND severity>=ERROR"
    )


def trigger_failure_filter(names: EnvNames) -> str:
    function = names.function_name
    job = names.scheduler_job
    return (
        f'(resource.type="cloud_run_revision" AND resource.labels.service_name="{function}"'
        " AND severity>=ERROR)"
        f' OR (resource.type="cloud_scheduler_job" AND resource.labels.job_id="{job}"'
        " AND severity>=ERROR)"
    )


def changed_extracts_filter(names: EnvNames) -> str:
    function = names.function_name
    return (
        f'resource.type="cloud_run_revision" AND resource.labels.service_name="{function}"'
        f' AND jsonPayload.event="{CHANGED_EXTRACTS_EVENT}"'
    )


CHANGED_RUNBOOK = """\
Ticket pipeline ({env}): processed days have a re-delivered extract.

Their rows in `{dataset}` were computed from the file as it was; nothing is reprocessed
automatically. The function's warning lists the days (`jsonPayload.changed_days`), and so
does `make status ENV={env}`. Check the new files, then recompute from the first changed day
through the last processed one: `make replay FROM=<day> ENV={env}`.
"""

RUNBOOK = """\
Ticket pipeline ({env}): {what}.

The day is recorded as failed in `{dataset}.ingestion_state` and will be retried by the
next tick; later days wait for it. Look at the logs linked above, then `make status ENV={env}`.
"""


class Monitoring(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, depends_on=None):
        super().__init__(scope, id_)
        gcp = names.gcp
        self.channel = MonitoringNotificationChannel(
            self,
            "email",
            display_name=f"Tickets {names.env}: on-call email",
            type="email",
            labels={"email_address": gcp.alert_email},
            depends_on=depends_on,
        )
        self.batch_failed = self._log_alert(
            "batch-failed",
            names,
            title=f"Tickets {names.env}: Dataproc batch failed",
            log_filter=batch_failure_filter(names),
            what="a Dataproc Serverless batch logged an error",
            depends_on=depends_on,
        )
        self.trigger_failed = self._log_alert(
            "trigger-failed",
            names,
            title=f"Tickets {names.env}: trigger function failed",
            log_filter=trigger_failure_filter(names),
            what="the trigger function or its Cloud Scheduler job reported an error",
            depends_on=depends_on,
        )

        self.changed_extracts_metric = LoggingMetric(
            self,
            "changed-extracts-metric",
            name=names.name("changed-extracts"),
            description="Ticks that found processed days whose extract was re-delivered",
            filter=changed_extracts_filter(names),
            metric_descriptor=LoggingMetricMetricDescriptor(
                metric_kind="DELTA", value_type="INT64", unit="1"
            ),
            depends_on=depends_on,
        )
        metric_type = f"logging.googleapis.com/user/{names.name('changed-extracts')}"
        title = f"Tickets {names.env}: processed extracts were re-delivered"
        self.extracts_changed = self._alert(
            "extracts-changed",
            names,
            title=title,
            severity="WARNING",
            condition=MonitoringAlertPolicyConditions(
                display_name=title,
                condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                    filter=f'resource.type="cloud_run_revision" AND metric.type="{metric_type}"',
                    comparison="COMPARISON_GT",
                    threshold_value=0,
                    duration="0s",
                    aggregations=[
                        MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                            alignment_period="600s", per_series_aligner="ALIGN_SUM"
                        )
                    ],
                ),
            ),
            runbook=CHANGED_RUNBOOK.format(env=names.env, dataset=names.gcp.dataset),
            depends_on=[self.changed_extracts_metric],
        )

    def _log_alert(self, id_, names, *, title, log_filter, what, depends_on):
        return self._alert(
            id_,
            names,
            title=title,
            severity="ERROR",
            condition=MonitoringAlertPolicyConditions(
                display_name=title,
                condition_matched_log=MonitoringAlertPolicyConditionsConditionMatchedLog(
                    filter=log_filter
                ),
            ),
            runbook=RUNBOOK.format(env=names.env, what=what, dataset=names.gcp.dataset),
            depends_on=depends_on,
        )

    def _alert(self, id_, names, *, title, severity, condition, runbook, depends_on):
        return MonitoringAlertPolicy(
            self,
            id_,
            display_name=title,
            combiner="OR",
            severity=severity,
            conditions=[condition],
            notification_channels=[self.channel.id],
            alert_strategy=MonitoringAlertPolicyAlertStrategy(
                notification_rate_limit=MonitoringAlertPolicyAlertStrategyNotificationRateLimit(
                    period=RATE_LIMIT
                ),
                auto_close=AUTO_CLOSE,
            ),
            documentation=MonitoringAlertPolicyDocumentation(
                content=runbook, mime_type="text/markdown"
            ),
            depends_on=depends_on,
        )
