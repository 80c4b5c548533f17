"""Live collection: read a tenant through the Azure SDK into the same inventory builder the
snapshot reader fills.

Every list operation is one task in a bounded thread pool; tasks that find children
(workspaces, endpoints) queue more tasks, so subscriptions and workspaces are read in parallel
and no task ever waits for another. A failed read (403, retries exhausted) becomes a
:class:`~auditor.model.CollectionError` naming the data kinds it leaves unread; nothing aborts
the scan except a bug.

This module finds the subscriptions in scope and, on the ARM path (``--collector arm``),
reads each one's lists; :mod:`.graph_walk` reads batches of them through
Resource Graph; :mod:`.tree` queues what a workspace or account leads to; every read lands
in the scan's :class:`~auditor.collect.live.ledger.Ledger`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
)

from auditor import arm
from auditor.collect.live import arm_reads, graph
from auditor.collect.live.arm_reads import WORKSPACE_KINDS, ArmReadError, list_all, to_arm_json
from auditor.collect.live.clients import ClientFactory
from auditor.collect.live.dependencies import WORKSPACE_READ_KINDS
from auditor.collect.live.failures import SDK_MODEL_ERRORS, error_text
from auditor.collect.live.foundry import ACCOUNT_KINDS
from auditor.collect.live.graph_walk import GraphWalk
from auditor.collect.live.ledger import Ledger
from auditor.collect.live.monitoring import LoggingReads
from auditor.collect.live.progress import Progress
from auditor.collect.live.scope import ScopeRequest, descendants_reader, resolve
from auditor.collect.live.tasks import WORKSPACE_PREFIX, TaskPool
from auditor.collect.live.tree import ACTIVITY_PROVIDERS, Tree
from auditor.errors import CollectionFailure
from auditor.intake import get_path
from auditor.inventory import InventoryBuilder
from auditor.model import DATA_KINDS

_SKIPPED_STATES = {"disabled", "deleted"}
SUBSCRIPTIONS_API = "2022-12-01"
"""Subscriptions_List (Microsoft.Resources/subscriptions/stable/2022-12-01/subscriptions.json;
docs/azure-facts.md section 5)."""


@dataclass
class LiveSummary:
    """What a live collection did, for the report's sources and the manifest."""

    subscriptions: list[str]
    tenant: str | None
    requests: int
    retries: int
    workspaces: int
    urls: dict[str, int] = field(default_factory=dict)
    in_scope: int = 0
    """Subscriptions in scope before ``--shard`` cut its share."""
    excluded: dict[str, str] = field(default_factory=dict)
    """Subscription -> the option that excluded it."""


class LiveCollector:
    """Reads the subscriptions a credential sees (or the ones asked for) into a builder."""

    def __init__(
        self,
        factory: ClientFactory,
        builder: InventoryBuilder,
        progress: Progress | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self._factory = factory
        self._settings = factory.settings
        self._progress = progress or Progress(enabled=False)
        now = now or dt.datetime.now(dt.UTC)
        self._pool = TaskPool(factory.settings.concurrency, self._report_progress, self._scope_done)
        self._ml = factory.arm()
        self._logging = LoggingReads(self._ml, factory.endpoint, self._settings.diagnostic_settings)
        self._ledger = Ledger(builder, self._pool, factory.deadline, self._logging)
        self._by_graph = self._settings.collector == "graph"
        window = (now - dt.timedelta(days=self._settings.activity_log_days), now)
        self._tree = Tree(self._ledger, self._ml, factory.endpoint, self._by_graph, window)
        self._builder = builder
        self._subscription_total = 0

    def _scope_done(self, key: str) -> None:
        if not key.startswith(WORKSPACE_PREFIX):
            self._progress.log(f"subscription {key} done")

    def _report_progress(self) -> None:
        stats = self._factory.stats
        pool = self._pool
        self._progress.update(
            subscriptions=(pool.done_subscriptions, self._subscription_total),
            workspaces=(pool.done_workspaces, pool.total_workspaces),
            requests=stats.requests,
            retries=stats.retries,
        )

    # -- entry point -------------------------------------------------------------------------

    def run(self) -> LiveSummary:
        """Collect everything. Raises CollectionFailure when no subscription is reachable."""
        subscriptions, tenant, in_scope, excluded = self._discover()
        self._subscription_total = len(subscriptions)
        walk = GraphWalk(
            self._ledger,
            self._tree,
            self._ml,
            self._factory.endpoint,
            frozenset(s.lower() for s in subscriptions),
            self._progress,
        )

        def start() -> None:
            self._pool.submit((), self._role_definitions_builtin, subscriptions)
            if self._by_graph:
                walk.start(graph.batches(subscriptions))
            for sub in subscriptions:
                self._subscription(sub)

        try:
            self._pool.run(start)
        finally:
            self._progress.finish()
        for sub in subscriptions:
            failed = self._ledger.failed(sub) | set(self._logging.not_read)
            self._builder.declare_collected(sub, [k for k in DATA_KINDS if k not in failed])
        stats = self._factory.stats
        return LiveSummary(
            subscriptions=subscriptions,
            tenant=tenant,
            requests=stats.requests,
            retries=stats.retries,
            workspaces=self._pool.total_workspaces,
            urls=dict(stats.urls),
            in_scope=in_scope,
            excluded=excluded,
        )

    def _discover(self) -> tuple[list[str], str | None, int, dict[str, str]]:
        # A plain read: the SDK's models cost five times the CPU and give back the same JSON
        # (at 10,000 subscriptions 0.5 s of a scan's start, before any other read can begin).
        path = "/subscriptions"
        try:
            visible = list(list_all(self._ml, self._factory.endpoint, path, SUBSCRIPTIONS_API))
        except (ClientAuthenticationError, ArmReadError) as exc:
            if isinstance(exc, ArmReadError) and exc.status_code != 401:
                raise CollectionFailure(f"cannot list subscriptions: {error_text(exc)}") from exc
            raise CollectionFailure(
                f"no Azure credential could sign in (--auth {self._settings.auth}): "
                f"{error_text(exc).rstrip('.')}. Sign in first (`az login`, then --auth cli; "
                "or a managed identity, workload identity or AZURE_* variables), or scan "
                "without Azure: "
                "--demo, --snapshot PATH or --template PATH"
            ) from exc
        except AzureError as exc:
            raise CollectionFailure(f"cannot list subscriptions: {error_text(exc)}") from exc
        by_id = {str(s.get("subscriptionId", "")).lower(): s for s in visible}
        read = descendants_reader(self._ml, self._factory.endpoint)
        scope = resolve(ScopeRequest.of(self._settings), by_id, read)
        for group, refused in scope.unread_groups:
            self._ledger.error(
                f"/providers/Microsoft.Management/managementGroups/{group}",
                "list management group descendants",
                f"its subscriptions were not read: {refused.message}",
                DATA_KINDS,
                refused.status,
            )
        shard = self._settings.shard
        wanted = [s for s in scope.wanted if shard is None or shard.holds(s)]
        if shard is not None:
            self._progress.note(
                f"shard {shard}: {len(wanted)} of the {len(scope.wanted)} subscriptions in scope"
            )
        chosen: list[str] = []
        tenant = None
        for sub in wanted:
            record = by_id.get(sub)
            if record is None:
                self._ledger.error(
                    f"/subscriptions/{sub}",
                    "find subscription",
                    "the credential cannot see this subscription",
                    DATA_KINDS,
                )
                continue
            state = str(record.get("state") or "").lower()
            if state in _SKIPPED_STATES and sub not in scope.named:
                self._progress.note(f"skipping subscription {sub}: it is {state}")
                continue
            self._ledger.add(record)
            tenant = tenant or record.get("tenantId")
            chosen.append(sub)
        # An empty shard of a scope that is not empty is a share of nothing, not a failure;
        # a forbidden group is reported (exit 3) with whatever else was read.
        if not chosen and wanted and not scope.unread_groups:
            raise CollectionFailure("no subscription to scan: the credential sees none of them")
        return chosen, tenant, len(scope.wanted), scope.excluded

    # -- per subscription ----------------------------------------------------------------------

    def _subscription(self, sub: str) -> None:
        keys = (sub,)
        with self._pool.holding(keys):
            if self._by_graph:
                return  # the rest, and the Activity Log it needs, follow its Resource Graph batch
            for provider in ACTIVITY_PROVIDERS:
                self._pool.submit(keys, self._tree.activity_log, sub, provider)
            self._pool.submit(keys, self._workspaces, sub)
            self._pool.submit(keys, self._accounts, sub)
            self._pool.submit(keys, self._role_assignments, sub)
            self._pool.submit(keys, self._role_definitions_custom, sub)
            self._ledger.submit(keys, self._tree.guards.of_subscription(sub))
            self._ledger.submit(keys, self._logging.registries(sub))

    def _workspaces(self, sub: str) -> None:
        scope = f"/subscriptions/{sub}"
        found: list[dict[str, Any]] = []

        def read() -> None:
            path = arm_reads.workspaces_path(sub)
            found.extend(list_all(self._ml, self._factory.endpoint, path, arm_reads.ML_API_VERSION))

        if not self._ledger.guard(
            scope, "list ML workspaces", (*WORKSPACE_KINDS, *WORKSPACE_READ_KINDS), read
        ):
            return
        for workspace in found:
            self._ledger.add(workspace)
            self._tree.workspace(sub, workspace)

    def _accounts(self, sub: str) -> None:
        found: list[dict[str, Any]] = []

        def read() -> None:
            client = self._factory.cognitive_services(sub)
            for account in client.accounts.list():
                found.append(to_arm_json(account))
                self._ledger.add(found[-1])

        # Only a complete list is read further: without it the kinds under accounts are
        # undeclared anyway (the error names them).
        scope = f"/subscriptions/{sub}"
        if self._ledger.guard(scope, "list AI Services accounts", ACCOUNT_KINDS, read):
            for account in found:
                self._tree.account(sub, account)

    def _role_assignments(self, sub: str) -> None:
        def read() -> None:
            client = self._factory.authorization(sub)
            for assignment in client.role_assignments.list_for_subscription():
                record = to_arm_json(assignment)
                self._ledger.add(record)
                scope = get_path(record, ("properties", "scope"))
                group = arm.management_group_of(scope) if isinstance(scope, str) else None
                if group is not None:
                    self._ledger.note_management_group(group, sub)

        self._ledger.guard(
            f"/subscriptions/{sub}", "list role assignments", ("role_assignments",), read
        )

    def _role_definitions_custom(self, sub: str) -> None:
        def read() -> None:
            client = self._factory.authorization(sub)
            scope = f"/subscriptions/{sub}"
            for definition in client.role_definitions.list(scope, filter="type eq 'CustomRole'"):
                self._ledger.add(to_arm_json(definition))

        self._ledger.guard(
            f"/subscriptions/{sub}", "list custom role definitions", ("role_definitions",), read
        )

    def _role_definitions_builtin(self, subscriptions: list[str]) -> None:
        """Built-in roles are the same everywhere: read them once, from the first subscription
        that allows it, instead of once per subscription."""
        last: Exception | None = None
        for sub in subscriptions:
            if self._factory.deadline.expired():
                break
            client = self._factory.authorization(sub)
            try:
                definitions = list(
                    client.role_definitions.list(
                        f"/subscriptions/{sub}", filter="type eq 'BuiltInRole'"
                    )
                )
            except (AzureError, *SDK_MODEL_ERRORS) as exc:
                last = exc
                continue
            for definition in definitions:
                self._ledger.add(to_arm_json(definition))
            return
        message, status = self._factory.deadline.message(), None
        if last is not None and not self._factory.deadline.expired():
            message, status = error_text(last), getattr(last, "status_code", None)
        for sub in subscriptions:
            self._ledger.error(
                f"/subscriptions/{sub}",
                "list built-in role definitions",
                message,
                ("role_definitions",),
                status,
            )
