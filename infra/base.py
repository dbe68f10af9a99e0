"""What every stack shares: the Google provider with default labels, readable logical ids."""

from __future__ import annotations

import re

import jsii
from cdktn import TerraformStack
from cdktn_provider_google.provider import GoogleProvider
from constructs import Node

from infra.naming import EnvNames


def google_provider(stack: TerraformStack, names: EnvNames) -> GoogleProvider:
    provider = GoogleProvider(stack, "google", project=names.project, region=names.region)
    # The generated bindings rewrite map keys with dashes ("managed-by" -> "managed_by"):
    # set the labels through an override so they reach Terraform verbatim.
    provider.add_override("default_labels", dict(names.labels))
    return provider


class Stack(TerraformStack):
    """A stack whose resources are named after their construct path (`storage_landing`).

    The default scheme appends a hash to every nested name; stable, readable
    addresses make plans and the offline diff easy to review. Construct paths
    are unique, so the names are too.
    """

    @jsii.member(jsii_name="allocateLogicalId")
    def _allocate_logical_id(self, tf_element) -> str:
        node = tf_element if isinstance(tf_element, Node) else tf_element.node
        rel = node.path[len(self.node.path) + 1 :]
        return re.sub(r"[^A-Za-z0-9_]", "_", rel.replace("/", "_"))
