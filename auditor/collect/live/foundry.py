"""The reads under an AI Services (AI Foundry) account: what the collector lists per account
and per project.

Each read is a :class:`~auditor.collect.live.arm_reads.ChildList` (a project list leads to each
project's connections and capability hosts); the collector runs them as tasks like the
workspace children.

Plain ARM GETs (``azure-mgmt-core``'s pipeline, as for the ML reads) at api-version
2025-09-01, the version ``azure-mgmt-cognitiveservices`` 14.1 sends
(CS/stable/2025-09-01/cognitiveservices.json):
the account's ``deployments``, ``raiPolicies``, ``defenderForAISettings``, ``connections`` and
``projects``, and each project's ``connections``. The SDK's models added nothing here but a
round trip (JSON to model and back to JSON, for every record). The
connection lists send ``includeAll=false`` (the SDK's default: "return both connections and
datastores", nothing about secrets); no POST is ever made (there is no listsecrets in CS).

Capability hosts have no list in the SDK or in the 2025-06-01/2025-09-01 specs, so they are raw
ARM GETs of the collections at the stable api-version that lists them, 2026-03-01
(``ProjectCapabilityHosts_List``; for accounts the list is UNCONFIRMED: a 400, 404 or 405 is a
failed read, so ``capability_hosts`` is not declared collected and the rules needing it say
unknown rather than pass).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.mgmt.core import ARMPipelineClient

from auditor.collect.live.arm_reads import ChildList, child_list, no_children

CS_API_VERSION = "2025-09-01"
"""The account children's lists (CS/stable/2025-09-01/cognitiveservices.json)."""
CAPABILITY_HOST_API_VERSION = "2026-03-01"
"""The first stable api-version that lists project capability hosts (research §1.10)."""

# Which account kinds hold which children. Deployments, content-filter policies and Defender
# for AI settings belong to the kinds that serve models (Azure OpenAI and the Foundry
# `AIServices` kind); connections, projects and capability hosts are Foundry features, which
# `allowProjectManagement` documents for `AIServices` accounts. Other kinds (Speech, Vision...)
# have none of these: reading them would cost a request per account for nothing.
_MODEL_KINDS = frozenset({"aiservices", "openai"})
_FOUNDRY_KINDS = frozenset({"aiservices"})

ACCOUNT_KINDS = (
    "ai_accounts",
    "ai_projects",
    "ai_connections",
    "ai_deployments",
    "rai_policies",
    "capability_hosts",
    "defender_ai_settings",
)
"""What a failed account list leaves unread: the accounts and everything under them."""


def _names_an_account(resource_id: str) -> bool:
    """Whether an id names a subscription, a resource group and an account below them."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        group = parts[lowered.index("resourcegroups") + 1]
        account = parts[lowered.index("accounts") + 1]
    except (ValueError, IndexError):
        return False
    return lowered[0] == "subscriptions" and bool(parts[1] and group and account)


_CONNECTIONS_QUERY = {"includeAll": "false"}
"""What the SDK sent by default; sent explicitly so that a change of the service's default does
not change what a scan reads."""


class FoundryReads:
    """Plans the reads under each account, all through one ARM pipeline."""

    def __init__(self, arm: ARMPipelineClient[Any, Any], endpoint: str) -> None:
        self._arm = arm
        self._endpoint = endpoint

    def of_account(self, account: dict[str, Any]) -> list[ChildList]:
        """The lists read under one account (none for kinds that have no such children)."""
        kind = str(account.get("kind") or "").lower()
        account_id = str(account.get("id") or "")
        reads: list[ChildList] = []
        if not _names_an_account(account_id):
            return reads  # the inventory refused the record (an error): no path to read
        if kind in _MODEL_KINDS:
            reads += [
                self._list(account_id, "deployments", "ai_deployments", "list model deployments"),
                self._list(
                    account_id,
                    "raiPolicies",
                    "rai_policies",
                    "list content filter (RAI) policies",
                ),
                self._list(
                    account_id,
                    "defenderForAISettings",
                    "defender_ai_settings",
                    "list Defender for AI settings",
                ),
            ]
        if kind in _FOUNDRY_KINDS:
            reads += [
                self._list(
                    account_id,
                    "connections",
                    "ai_connections",
                    "list account connections",
                    query=_CONNECTIONS_QUERY,
                ),
                self._list(
                    account_id,
                    "projects",
                    "ai_projects",
                    "list AI Foundry projects",
                    children=self._of_project,
                ),
                self._capability_hosts(account_id),
            ]
        return reads

    def _of_project(self, project: dict[str, Any]) -> list[ChildList]:
        project_id = str(project.get("id") or "")
        if not _names_an_account(project_id):
            return []
        connections = self._list(
            project_id,
            "connections",
            "ai_connections",
            "list project connections",
            query=_CONNECTIONS_QUERY,
        )
        return [connections, self._capability_hosts(project_id)]

    def _list(
        self,
        parent_id: str,
        child: str,
        kind: str,
        operation: str,
        query: dict[str, str] | None = None,
        children: Callable[[dict[str, Any]], list[ChildList]] = no_children,
    ) -> ChildList:
        return child_list(
            self._arm,
            self._endpoint,
            parent_id,
            child,
            (kind,),
            CS_API_VERSION,
            children,
            operation,
            query,
        )

    def _capability_hosts(self, parent_id: str) -> ChildList:
        kinds = ("capability_hosts",)
        api = CAPABILITY_HOST_API_VERSION
        return child_list(
            self._arm,
            self._endpoint,
            parent_id,
            "capabilityHosts",
            kinds,
            api,
            operation="list capability hosts",
        )
