"""The reads under an AI Services (AI Foundry) account: what the collector lists per account
and per project.

Each read is a :class:`~auditor.collect.live.arm_reads.ChildList` (a project list leads to each
project's connections and capability hosts); the collector runs them as tasks like the
workspace children.

Through ``azure-mgmt-cognitiveservices`` (api-version 2025-09-01, its default):
``deployments.list``, ``rai_policies.list``, ``account_connections.list``,
``projects.list``, ``defender_for_ai_settings.list`` and ``project_connections.list``. The
connection lists send ``includeAll=false`` (the SDK's default: "return both connections and
datastores", nothing about secrets); no POST is ever made (there is no listsecrets in CS).

Capability hosts have no list in the SDK or in the 2025-06-01/2025-09-01 specs, so they are raw
ARM GETs of the collections at the stable api-version that lists them, 2026-03-01
(``ProjectCapabilityHosts_List``; for accounts the list is UNCONFIRMED: a 400, 404 or 405 is a
failed read, so ``capability_hosts`` is not declared collected and the rules needing it say
unknown rather than pass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from azure.mgmt.core import ARMPipelineClient

from auditor.collect.live.arm_reads import ChildList, child_list, no_children, to_arm_json

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


@dataclass(frozen=True)
class _Parent:
    """The names an SDK call needs, taken from a resource id (casing kept)."""

    subscription: str
    group: str
    account: str

    @classmethod
    def of(cls, resource_id: str) -> _Parent | None:
        """None for an id without a subscription, resource group and account."""
        parts = resource_id.strip("/").split("/")
        lowered = [p.lower() for p in parts]
        try:
            group = parts[lowered.index("resourcegroups") + 1]
            account = parts[lowered.index("accounts") + 1]
        except (ValueError, IndexError):
            return None
        if lowered[0] != "subscriptions" or not group or not account:
            return None
        return cls(parts[1], group, account)


class FoundryReads:
    """Plans the reads under each account; ``sdk(subscription)`` makes a CS client."""

    def __init__(
        self, sdk: Callable[[str], Any], arm: ARMPipelineClient[Any, Any], endpoint: str
    ) -> None:
        self._sdk = sdk
        self._arm = arm
        self._endpoint = endpoint

    def of_account(self, account: dict[str, Any]) -> list[ChildList]:
        """The lists read under one account (none for kinds that have no such children)."""
        kind = str(account.get("kind") or "").lower()
        account_id = str(account.get("id") or "")
        parent = _Parent.of(account_id)
        reads: list[ChildList] = []
        if parent is None:
            return reads  # the inventory refused the record (an error): no path to read
        if kind in _MODEL_KINDS:
            reads += [
                self._sdk_list(
                    account_id,
                    "list model deployments",
                    "ai_deployments",
                    lambda c: c.deployments.list(parent.group, parent.account),
                ),
                self._sdk_list(
                    account_id,
                    "list content filter (RAI) policies",
                    "rai_policies",
                    lambda c: c.rai_policies.list(parent.group, parent.account),
                ),
                self._sdk_list(
                    account_id,
                    "list Defender for AI settings",
                    "defender_ai_settings",
                    lambda c: c.defender_for_ai_settings.list(parent.group, parent.account),
                ),
            ]
        if kind in _FOUNDRY_KINDS:
            reads += [
                self._sdk_list(
                    account_id,
                    "list account connections",
                    "ai_connections",
                    lambda c: c.account_connections.list(
                        parent.group, parent.account, include_all=False
                    ),
                ),
                self._sdk_list(
                    account_id,
                    "list AI Foundry projects",
                    "ai_projects",
                    lambda c: c.projects.list(parent.group, parent.account),
                    self._of_project,
                ),
                self._capability_hosts(account_id),
            ]
        return reads

    def _of_project(self, project: dict[str, Any]) -> list[ChildList]:
        project_id = str(project.get("id") or "")
        parent = _Parent.of(project_id)
        if parent is None:
            return []
        name = project_id.rstrip("/").rsplit("/", 1)[-1]
        connections = self._sdk_list(
            project_id,
            "list project connections",
            "ai_connections",
            lambda c: c.project_connections.list(
                parent.group, parent.account, name, include_all=False
            ),
        )
        return [connections, self._capability_hosts(project_id)]

    def _sdk_list(
        self,
        scope: str,
        operation: str,
        kind: str,
        call: Callable[[Any], Any],
        children: Callable[[dict[str, Any]], list[ChildList]] = no_children,
    ) -> ChildList:
        subscription = scope.strip("/").split("/")[1]

        def fetch() -> Iterator[dict[str, Any]]:
            for model in call(self._sdk(subscription)):
                yield to_arm_json(model)

        return ChildList(scope, operation, (kind,), fetch, children)

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
