"""The guard-rail reads: each subscription's Defender for Cloud plans, the outbound rules of
each workspace's managed network, and the network security perimeter configurations of each
AI account. All raw ARM GETs through :func:`~auditor.collect.live.arm_reads.child_list` (one
list each, never the configurations' ``reconcile`` POST).

- ``Pricings_List`` ``GET /subscriptions/{s}/providers/Microsoft.Security/pricings`` at
  2024-01-01: one request per subscription (not paged; every plan, the rules judge ``AI``).
  ``azure-mgmt-security`` would add a package for this one GET.
- ``OutboundRule_List`` ``GET {workspace}/outboundRules`` at the ML api-version (2025-12-01),
  only for a workspace whose managed network allows only approved outbound traffic (the
  only mode whose FQDN and service-tag rules limit anything): one request per such
  workspace. The workspace record carries the same rules inline; the list is read too, as
  the ``outboundRules`` API is where rules added after creation are listed.
- ``NetworkSecurityPerimeterConfigurations_List`` ``GET {account}/
  networkSecurityPerimeterConfigurations`` at 2025-06-01: one request per AIServices or
  OpenAI account (the kinds a perimeter guards in Foundry; others are not read).
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.core import ARMPipelineClient

from auditor.collect.live.arm_reads import ML_API_VERSION, ChildList, child_list

PRICING_API_VERSION = "2024-01-01"
NSP_API_VERSION = "2025-06-01"
_NSP_KINDS = frozenset({"aiservices", "openai"})
_RULED_MODES = frozenset({"allowonlyapprovedoutbound"})
"""The mode whose outbound rules AML038 judges (only there do FQDN and service-tag rules
limit anything)."""


class GuardReads:
    """Plans the guard-rail reads of a subscription, a workspace and an account."""

    def __init__(self, arm: ARMPipelineClient[Any, Any], endpoint: str) -> None:
        self._arm = arm
        self._endpoint = endpoint

    def of_subscription(self, sub: str) -> ChildList:
        return child_list(
            self._arm,
            self._endpoint,
            f"/subscriptions/{sub}",
            "providers/Microsoft.Security/pricings",
            ("defender_plans",),
            PRICING_API_VERSION,
            operation="list Defender for Cloud plans",
        )

    def of_workspace(self, workspace: dict[str, Any]) -> list[ChildList]:
        properties = workspace.get("properties")
        network = properties.get("managedNetwork") if isinstance(properties, dict) else None
        mode = network.get("isolationMode") if isinstance(network, dict) else None
        if not isinstance(mode, str) or mode.lower() not in _RULED_MODES:
            return []  # no managed network: no outbound rules to list
        return [
            child_list(
                self._arm,
                self._endpoint,
                str(workspace["id"]),
                "outboundRules",
                ("outbound_rules",),
                ML_API_VERSION,
                operation="list managed network outbound rules",
            )
        ]

    def of_account(self, account: dict[str, Any]) -> list[ChildList]:
        account_id = account.get("id")
        if not isinstance(account_id, str) or not account_id.startswith("/subscriptions/"):
            return []  # the inventory refused the record (an error): no path to read
        if str(account.get("kind") or "").lower() not in _NSP_KINDS:
            return []
        return [
            child_list(
                self._arm,
                self._endpoint,
                account_id,
                "networkSecurityPerimeterConfigurations",
                ("nsp_configurations",),
                NSP_API_VERSION,
                operation="list network security perimeter configurations",
            )
        ]
