"""Batch compute: the network Dataproc Serverless runs in, and the batch runner's identity.

Dataproc Serverless needs a subnetwork with Private Google Access (its workers
have no external IPs and reach Cloud Storage and BigQuery through Google's
network) and a firewall rule that lets the driver and executors talk to each
other inside the subnetwork. Flow logs are on for the subnetwork, sampled as the
environment's config says (`flow_log_sampling`, `flow_log_metadata`).
"""

from __future__ import annotations

from cdktn_provider_google.compute_firewall import (
    ComputeFirewall,
    ComputeFirewallAllow,
    ComputeFirewallLogConfig,
)
from cdktn_provider_google.compute_network import ComputeNetwork
from cdktn_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
from cdktn_provider_google.service_account import ServiceAccount
from constructs import Construct

from infra.naming import EnvNames


class BatchCompute(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: EnvNames, depends_on=None):
        super().__init__(scope, id_)
        gcp = names.gcp
        self.network = ComputeNetwork(
            self,
            "network",
            name=names.name("vpc"),
            description="Private network of the Dataproc Serverless batches.",
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            depends_on=depends_on,
        )
        self.subnetwork = ComputeSubnetwork(
            self,
            "subnetwork",
            name=names.name("dataproc"),
            region=gcp.region,
            network=self.network.id,
            ip_cidr_range=gcp.subnetwork_cidr,
            private_ip_google_access=True,
            log_config=ComputeSubnetworkLogConfig(
                aggregation_interval="INTERVAL_10_MIN",
                flow_sampling=gcp.flow_log_sampling,
                metadata=gcp.flow_log_metadata,
            ),
        )
        self.internal_firewall = ComputeFirewall(
            self,
            "internal-firewall",
            name=names.name("dataproc-internal"),
            network=self.network.id,
            description="Dataproc Serverless: driver and executors talk within the subnetwork.",
            direction="INGRESS",
            priority=1000,
            source_ranges=[gcp.subnetwork_cidr],
            allow=[ComputeFirewallAllow(protocol="all")],
            log_config=ComputeFirewallLogConfig(metadata="EXCLUDE_ALL_METADATA"),
        )
        self.runner = ServiceAccount(
            self,
            "runner",
            account_id=names.account_id("runner"),
            display_name=f"Tickets {names.env}: Dataproc batch runner",
            description="Runs the PySpark batches: reads landing, writes BigQuery and staging.",
            depends_on=depends_on,
        )
