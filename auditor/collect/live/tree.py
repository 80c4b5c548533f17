"""The reads below a workspace or an AI Services account, and a subscription's Activity Log:
what both collectors queue once they hold a workspace or account record, whether it came
from an ARM list or a Resource Graph row."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from azure.mgmt.core import ARMPipelineClient

from auditor import arm
from auditor.collect.live import arm_reads
from auditor.collect.live.arm_reads import ChildList, child_list, list_all, no_children
from auditor.collect.live.dependencies import DependencyReads
from auditor.collect.live.foundry import FoundryReads
from auditor.collect.live.guard import GuardReads
from auditor.collect.live.ledger import Ledger
from auditor.collect.live.monitoring import ACTIVITY_LOG_API_VERSION, ACTIVITY_LOG_PATH
from auditor.collect.live.tasks import WORKSPACE_PREFIX
from auditor.intake import get_path
from auditor.timeutil import iso

ACTIVITY_PROVIDERS = ("Microsoft.CognitiveServices", "Microsoft.MachineLearningServices")
KEY_REGENERATION_OPERATIONS = frozenset(
    op.lower()
    for op in (
        "Microsoft.CognitiveServices/accounts/regenerateKey/action",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/regenerateKeys/action",
        "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/regenerateKeys/action",
    )
)
"""Activity Log operations kept; the service filters by provider only, so we match here."""
_EVENT_FIELDS = (
    "eventDataId,correlationId,eventTimestamp,operationName,status,resourceId,"
    "resourceProviderName,subscriptionId"
)


class Tree:
    """Queues the lists under workspaces and accounts, and each Activity Log once."""

    def __init__(
        self,
        ledger: Ledger,
        client: ARMPipelineClient[Any, Any],
        endpoint: str,
        by_graph: bool,
        window: tuple[dt.datetime, dt.datetime],
    ) -> None:
        self._ledger = ledger
        self._client = client
        self._endpoint = endpoint
        self._by_graph = by_graph
        """Resource Graph indexes online and serverless endpoints: not listed per workspace."""
        self._window = window
        """The Activity Log's first and last moment read."""
        self._foundry = FoundryReads(client, endpoint)
        self.guards = GuardReads(client, endpoint)
        self.dependencies = DependencyReads(client, endpoint)
        self._lock = threading.Lock()
        self._activity_read: set[tuple[str, str]] = set()

    def workspace(
        self, sub: str, workspace: dict[str, Any], by_query: list[str] | None = None
    ) -> None:
        """Queue the workspace's lists and its dependencies' GETs; with ``by_query``, the ids
        of its new dependencies are added to it instead, for one Resource Graph query."""
        pool = self._ledger.pool
        pool.add_workspaces(1)
        ws_id = str(workspace["id"])
        keys = (sub, f"{WORKSPACE_PREFIX}{arm.normalise_id(ws_id)}")
        if by_query is None:
            dependencies = self.dependencies.of_workspace(workspace)
        else:
            dependencies = [self.dependencies.datastores(workspace)]
            by_query.extend(self.dependencies.new_ids(workspace))
        with pool.holding(keys):
            for child in (
                self._workspace_lists(ws_id) + self.guards.of_workspace(workspace) + dependencies
            ):
                self._ledger.submit(keys, child)

    def _workspace_lists(self, ws_id: str) -> list[ChildList]:
        def endpoint_deployments(endpoint: dict[str, Any]) -> list[ChildList]:
            return [self._ml_list(str(endpoint["id"]), "deployments", ("online_deployments",))]

        endpoint_kinds = ("online_endpoints", "online_deployments")
        indexed = [
            self._ml_list(ws_id, "onlineEndpoints", endpoint_kinds, endpoint_deployments),
            self._ml_list(ws_id, "serverlessEndpoints", ("serverless_endpoints",)),
        ]
        return [
            self._ml_list(ws_id, "computes", ("computes",)),
            self._ml_list(ws_id, "connections", ("connections",)),
            *([] if self._by_graph else indexed),
            # Services_ListByWorkspace documents one answer for a workspace without v1
            # services: 200 with an empty ``value``. Any 400/404 (a retired api-version,
            # throttling, a workspace gone) is an error, or a critical finding on a v1 service
            # would vanish.
            self._ml_list(ws_id, "services", ("web_services",), api=arm_reads.SERVICES_API_VERSION),
        ]

    def _ml_list(
        self,
        parent_id: str,
        child: str,
        kinds: tuple[str, ...],
        children: Callable[[dict[str, Any]], list[ChildList]] = no_children,
        api: str = arm_reads.ML_API_VERSION,
    ) -> ChildList:
        operation = "list v1 web services" if child == "services" else None
        return child_list(
            self._client, self._endpoint, parent_id, child, kinds, api, children, operation
        )

    def account(self, sub: str, account: dict[str, Any]) -> None:
        """Queue the lists under an AI Services account (Foundry children, Defender for AI)."""
        for child in self._foundry.of_account(account) + self.guards.of_account(account):
            self._ledger.submit((sub,), child)

    def activity_logs(self, held: set[tuple[str, str]]) -> None:
        """The Activity Log of each provider a subscription holds resources of, once: its key
        regeneration events judge those resources only (AIS002, AML002), so a subscription
        holding none (most of a tenant) needs no list. ``held``: (subscription, provider in
        lower case) pairs."""
        wanted = [(sub, p) for p in ACTIVITY_PROVIDERS for sub in sorted({s for s, _ in held})
                  if (sub, p.lower()) in held]  # fmt: skip
        with self._lock:
            new = [w for w in wanted if w not in self._activity_read]
            self._activity_read.update(new)
        for sub, provider in new:
            self._ledger.pool.submit((sub,), self.activity_log, sub, provider)

    def activity_log(self, sub: str, provider: str) -> None:
        """The key-regeneration events of one provider in one subscription."""
        start, end = self._window
        query = (
            f"eventTimestamp ge '{iso(start)}' and eventTimestamp le '{iso(end)}' "
            f"and resourceProvider eq '{provider}'"
        )

        def read() -> None:
            events = list_all(
                self._client,
                self._endpoint,
                f"/subscriptions/{sub}{ACTIVITY_LOG_PATH}",
                ACTIVITY_LOG_API_VERSION,
                {"$filter": query, "$select": _EVENT_FIELDS},
            )
            for record in events:
                operation = get_path(record, ("operationName", "value"))
                if isinstance(operation, str) and operation.lower() in KEY_REGENERATION_OPERATIONS:
                    self._ledger.add(record)

        self._ledger.guard(
            f"/subscriptions/{sub}",
            f"list Activity Log events ({provider})",
            ("activity_log",),
            read,
        )
