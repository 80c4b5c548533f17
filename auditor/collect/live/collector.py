"""Live collection: read a tenant through the Azure SDK into the same inventory builder the
snapshot reader fills.

Every list operation is one task in a bounded thread pool; tasks that find children
(workspaces, endpoints) queue more tasks, so subscriptions and workspaces are read in parallel
and no task ever waits for another. A failed read (403, retries exhausted) becomes a
:class:`~auditor.model.CollectionError` naming the data kinds it leaves unread; nothing aborts
the scan except a bug.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
)

from auditor import arm
from auditor.collect.live import arm_reads, graph
from auditor.collect.live.arm_reads import (
    WORKSPACE_KINDS,
    ArmReadError,
    ChildList,
    child_list,
    list_all,
    no_children,
    to_arm_json,
)
from auditor.collect.live.clients import ClientFactory
from auditor.collect.live.dependencies import WORKSPACE_READ_KINDS, DependencyReads
from auditor.collect.live.failures import SDK_MODEL_ERRORS, error_text, missing_permission
from auditor.collect.live.foundry import ACCOUNT_KINDS, FoundryReads
from auditor.collect.live.graph import GraphQuery, GraphReadError
from auditor.collect.live.guard import GuardReads
from auditor.collect.live.monitoring import (
    ACTIVITY_LOG_API_VERSION,
    ACTIVITY_LOG_PATH,
    LoggingReads,
)
from auditor.collect.live.progress import Progress
from auditor.collect.live.scope import ScopeRequest, descendants_reader, resolve
from auditor.collect.live.tasks import WORKSPACE_PREFIX, TaskPool
from auditor.errors import CollectionFailure
from auditor.intake import get_path
from auditor.inventory import InventoryBuilder, UnrecognisedRecord
from auditor.model import DATA_KINDS, CollectionError, SourceKind, SourceRef
from auditor.timeutil import iso

LIVE = SourceRef(kind=SourceKind.LIVE)

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
_SKIPPED_STATES = {"disabled", "deleted"}


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
        self._builder = builder
        self._progress = progress or Progress(enabled=False)
        self._now = now or dt.datetime.now(dt.UTC)
        self._lock = threading.Lock()
        self._failed: dict[str, set[str]] = {}
        self._pool = TaskPool(factory.settings.concurrency, self._report_progress, self._scope_done)
        self._ml = factory.arm()
        self._foundry = FoundryReads(self._ml, factory.endpoint)
        self._guards = GuardReads(self._ml, factory.endpoint)
        self._logging = LoggingReads(self._ml, factory.endpoint, self._settings.diagnostic_settings)
        self._dependencies = DependencyReads(self._ml, factory.endpoint)
        self._subscription_total = 0
        self._by_graph = self._settings.collector == "graph"
        self._activity_read: set[tuple[str, str]] = set()
        self._scanned: frozenset[str] = frozenset()

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
        self._scanned = frozenset(s.lower() for s in subscriptions)

        def start() -> None:
            self._pool.submit((), self._role_definitions_builtin, subscriptions)
            if self._by_graph:
                for batch in graph.batches(subscriptions):
                    self._graph_batch(batch)
            for sub in subscriptions:
                self._subscription(sub)

        try:
            self._pool.run(start)
        finally:
            self._progress.finish()
        for sub in subscriptions:
            failed = self._failed.get(sub, set()) | set(self._logging.not_read)
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
        client = self._factory.subscriptions()
        try:
            visible = [to_arm_json(s) for s in client.subscriptions.list()]
        except ClientAuthenticationError as exc:
            raise CollectionFailure(
                f"no Azure credential could sign in (--auth {self._settings.auth}): "
                f"{error_text(exc).rstrip('.')}. Sign in first (`az login`, then --auth cli; "
                "or a managed identity, workload identity or AZURE_* variables), or scan "
                "without Azure: "
                "--demo, --snapshot PATH or --template PATH"
            ) from exc
        except (AzureError, *SDK_MODEL_ERRORS) as exc:
            raise CollectionFailure(f"cannot list subscriptions: {error_text(exc)}") from exc
        by_id = {str(s.get("subscriptionId", "")).lower(): s for s in visible}
        read = descendants_reader(self._ml, self._factory.endpoint)
        scope = resolve(ScopeRequest.of(self._settings), by_id, read)
        for group, refused in scope.unread_groups:
            self._error(
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
                self._error(
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
            self._add(record)
            tenant = tenant or record.get("tenantId")
            chosen.append(sub)
        # An empty shard of a scope that is not empty is a share of nothing, not a failure;
        # a forbidden group is reported (exit 3) with whatever else was read.
        if not chosen and wanted and not scope.unread_groups:
            raise CollectionFailure("no subscription to scan: the credential sees none of them")
        return chosen, tenant, len(scope.wanted), scope.excluded

    # -- bookkeeping ---------------------------------------------------------------------------

    def _add(self, record: dict[str, Any]) -> None:
        try:
            with self._lock:
                self._builder.add(record, LIVE)
        except UnrecognisedRecord as exc:
            # ARM answered with a record of the wrong shape: not read, and said so (exit 3).
            record_id = record.get("id")
            scope = record_id if isinstance(record_id, str) and record_id else "(no id)"
            self._error(scope, "read resource", f"the record is not ARM's shape: {exc}", ())
            return
        for read in self._logging.of_record(record):  # one diagnostic-settings GET each
            keys = (arm.subscription_of(read.scope) or "",)
            self._pool.submit(keys, self._child_list, keys, read)

    def _error(
        self,
        scope: str,
        operation: str,
        message: str,
        kinds: Iterable[str],
        status: int | None = None,
    ) -> None:
        kinds = tuple(kinds)
        sub = arm.subscription_of(scope)
        with self._lock:
            self._builder.add_error(
                CollectionError(
                    scope=scope,
                    operation=operation,
                    message=message,
                    status_code=status,
                    missing_permission=missing_permission(message),
                    data_kinds=kinds,
                )
            )
            if sub is not None:
                self._failed.setdefault(sub, set()).update(kinds)

    def _guard(
        self,
        scope: str | Sequence[str],
        operation: str,
        kinds: Iterable[str],
        read: Callable[[], None],
    ) -> bool:
        """Run one read; a service error becomes a CollectionError (one per scope, for a
        Resource Graph query over many subscriptions). True when it succeeded.

        Past the scan's deadline nothing more is read: the read is listed as not done."""
        scopes = [scope] if isinstance(scope, str) else list(scope)
        kinds = tuple(kinds)
        deadline = self._factory.deadline
        message, status = deadline.message(), None
        if not deadline.expired():
            try:
                read()
                return True
            except (AzureError, ArmReadError, GraphReadError, *SDK_MODEL_ERRORS) as exc:
                if not deadline.expired():
                    message, status = error_text(exc), getattr(exc, "status_code", None)
        for each in scopes:
            self._error(each, operation, message, kinds, status)
        return False

    # -- per subscription ----------------------------------------------------------------------

    def _subscription(self, sub: str) -> None:
        keys = (sub,)
        with self._pool.holding(keys):
            if self._by_graph:
                return  # the rest, and the Activity Log it needs, follow its Resource Graph batch
            for provider in ACTIVITY_PROVIDERS:
                self._pool.submit(keys, self._activity_log, sub, provider)
            self._pool.submit(keys, self._workspaces, sub)
            self._pool.submit(keys, self._accounts, sub)
            self._pool.submit(keys, self._role_assignments, sub)
            self._pool.submit(keys, self._role_definitions_custom, sub)
            self._pool.submit(keys, self._child_list, keys, self._guards.of_subscription(sub))
            self._pool.submit(keys, self._child_list, keys, self._logging.registries(sub))

    def _workspaces(self, sub: str) -> None:
        scope = f"/subscriptions/{sub}"
        found: list[dict[str, Any]] = []

        def read() -> None:
            path = arm_reads.workspaces_path(sub)
            found.extend(list_all(self._ml, self._factory.endpoint, path, arm_reads.ML_API_VERSION))

        if not self._guard(
            scope, "list ML workspaces", (*WORKSPACE_KINDS, *WORKSPACE_READ_KINDS), read
        ):
            return
        for workspace in found:
            self._add(workspace)
            self._workspace_children(sub, workspace)

    def _workspace_children(
        self, sub: str, workspace: dict[str, Any], by_query: list[str] | None = None
    ) -> None:
        """Queue the workspace's lists and its dependencies' GETs; with ``by_query``, the ids
        of its new dependencies are added to it instead, for one Resource Graph query."""
        self._pool.add_workspaces(1)
        ws_id = str(workspace["id"])
        keys = (sub, f"{WORKSPACE_PREFIX}{arm.normalise_id(ws_id)}")
        if by_query is None:
            dependencies = self._dependencies.of_workspace(workspace)
        else:
            dependencies = [self._dependencies.datastores(workspace)]
            by_query.extend(self._dependencies.new_ids(workspace))
        with self._pool.holding(keys):
            for child in (
                self._workspace_lists(ws_id) + self._guards.of_workspace(workspace) + dependencies
            ):
                self._pool.submit(keys, self._child_list, keys, child)

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
            *([] if self._by_graph else indexed),  # Resource Graph indexes these
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
        endpoint = self._factory.endpoint
        return child_list(self._ml, endpoint, parent_id, child, kinds, api, children, operation)

    def _accounts(self, sub: str) -> None:
        found: list[dict[str, Any]] = []

        def read() -> None:
            client = self._factory.cognitive_services(sub)
            for account in client.accounts.list():
                found.append(to_arm_json(account))
                self._add(found[-1])

        # Only a complete list is read further: without it the kinds under accounts are
        # undeclared anyway (the error names them).
        scope = f"/subscriptions/{sub}"
        if self._guard(scope, "list AI Services accounts", ACCOUNT_KINDS, read):
            for account in found:
                self._account_children(sub, account)

    def _account_children(self, sub: str, account: dict[str, Any]) -> None:
        for child in self._foundry.of_account(account) + self._guards.of_account(account):
            self._pool.submit((sub,), self._child_list, (sub,), child)

    def _child_list(self, keys: tuple[str, ...], read: ChildList) -> None:
        """One list under a resource; the lists its records lead to are queued after it."""
        found: list[dict[str, Any]] = []
        if not self._guard(
            read.scope, read.operation, read.kinds, lambda: found.extend(read.fetch())
        ):
            return
        for record in found:
            self._add(record)
            for child in read.children(record):
                self._pool.submit(keys, self._child_list, keys, child)

    # -- Resource Graph (``--collector graph``) ------------------------------------------------

    def _graph_batch(self, batch: list[str]) -> None:
        keys = tuple(batch)
        with self._pool.holding(keys):
            for query in graph.QUERIES:
                self._pool.submit(keys, self._graph_query, batch, query)
            self._pool.submit(keys, self._graph_role_assignments, batch)

    def _graph_rows(self, batch: list[str], query: GraphQuery) -> list[dict[str, Any]] | None:
        """Every row of ``query`` over ``batch``; None (and an error per subscription) when
        the query failed: a partial answer is never used."""
        found: list[dict[str, Any]] = []

        def read() -> None:
            found.extend(graph.rows(self._ml, self._factory.endpoint, query, batch))

        scopes = [f"/subscriptions/{sub}" for sub in batch]
        operation = f"query Resource Graph ({query.name})"
        return found if self._guard(scopes, operation, query.kinds, read) else None

    def _graph_query(self, batch: list[str], query: GraphQuery) -> None:
        rows = self._graph_rows(batch, query)
        held: set[tuple[str, str]] = set()
        dependencies: list[str] = []
        for row in rows or ():
            record = graph.to_record(row)
            self._add(record)
            sub = graph.subscription_of_row(record) or ""
            held.add((sub, str(record.get("type") or "").split("/")[0].lower()))
            if record.get("type") == arm.WORKSPACE:
                self._workspace_children(sub, record, dependencies)
            elif record.get("type") == arm.AI_ACCOUNT:
                self._account_children(sub, record)
        if rows is None:  # what the batch holds is not known: read its logs as the ARM path does
            held = {(sub, p.lower()) for sub in batch for p in ACTIVITY_PROVIDERS}
        self._activity_logs(held)
        keys = tuple(batch)
        for start in range(0, len(dependencies), graph.IDS_PER_QUERY):
            chunk = dependencies[start : start + graph.IDS_PER_QUERY]
            self._pool.submit(keys, self._graph_dependencies, keys, chunk)

    def _graph_dependencies(self, keys: tuple[str, ...], ids: list[str]) -> None:
        """Workspace dependencies by one query; an id without a row is read with its GET.

        Only ids in the scan's subscriptions are queried (a query naming another subscription
        may be refused whole); the rest, and all of them when the query fails, are GETs, which
        say what is not readable as they always did. A failed query is no error entry: the
        GETs are the answer."""
        queried = [i for i in ids if graph.quotable(i) and arm.subscription_of(i) in self._scanned]
        rows: dict[str, dict[str, Any]] = {}
        if queried and not self._factory.deadline.expired():
            subscriptions = sorted({arm.subscription_of(i) or "" for i in queried})
            query = graph.dependencies(queried)
            try:
                for row in graph.rows(self._ml, self._factory.endpoint, query, subscriptions):
                    record = graph.to_record(row)
                    rows[str(record.get("id") or "").lower()] = record
            except (AzureError, GraphReadError) as exc:
                self._progress.log(f"{query.name} read by GET: {error_text(exc)}")
                rows = {}
        for resource_id in ids:
            answered = rows.get(resource_id.lower())
            if answered is not None:
                self._add(answered)
            else:
                self._pool.submit(keys, self._child_list, keys, self._dependencies.get(resource_id))

    def _activity_logs(self, held: set[tuple[str, str]]) -> None:
        """The Activity Log of each provider a subscription holds resources of, once: its key
        regeneration events judge those resources only (AIS002, AML002), so a subscription
        holding none (most of a tenant) needs no list."""
        wanted = [(sub, p) for p in ACTIVITY_PROVIDERS for sub in sorted({s for s, _ in held})
                  if (sub, p.lower()) in held]  # fmt: skip
        with self._lock:
            new = [w for w in wanted if w not in self._activity_read]
            self._activity_read.update(new)
        for sub, provider in new:
            self._pool.submit((sub,), self._activity_log, sub, provider)

    def _graph_role_assignments(self, batch: list[str]) -> None:
        chains = self._graph_rows(batch, graph.SUBSCRIPTION_CHAIN)
        found = None if chains is None else self._graph_rows(batch, graph.ROLE_ASSIGNMENTS)
        if chains is None or found is None:
            return
        below: dict[str, list[str]] = {}
        for sub, groups in graph.subscription_chains(chains).items():
            for group in groups:
                below.setdefault(group, []).append(sub)
        for row in found:
            record = graph.to_record(row)
            self._add(record)
            scope = get_path(record, ("properties", "scope"))
            name = arm.management_group_of(scope) if isinstance(scope, str) else None
            for sub in below.get(name or "", ()):
                with self._lock:
                    self._builder.note_management_group(name or "", sub)

    def _role_assignments(self, sub: str) -> None:
        def read() -> None:
            client = self._factory.authorization(sub)
            for assignment in client.role_assignments.list_for_subscription():
                record = to_arm_json(assignment)
                self._add(record)
                scope = get_path(record, ("properties", "scope"))
                group = arm.management_group_of(scope) if isinstance(scope, str) else None
                if group is not None:
                    with self._lock:
                        self._builder.note_management_group(group, sub)

        self._guard(f"/subscriptions/{sub}", "list role assignments", ("role_assignments",), read)

    def _role_definitions_custom(self, sub: str) -> None:
        def read() -> None:
            client = self._factory.authorization(sub)
            scope = f"/subscriptions/{sub}"
            for definition in client.role_definitions.list(scope, filter="type eq 'CustomRole'"):
                self._add(to_arm_json(definition))

        self._guard(
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
                self._add(to_arm_json(definition))
            return
        message, status = self._factory.deadline.message(), None
        if last is not None and not self._factory.deadline.expired():
            message, status = error_text(last), getattr(last, "status_code", None)
        for sub in subscriptions:
            self._error(
                f"/subscriptions/{sub}",
                "list built-in role definitions",
                message,
                ("role_definitions",),
                status,
            )

    def _activity_log(self, sub: str, provider: str) -> None:
        start = self._now - dt.timedelta(days=self._settings.activity_log_days)
        query = (
            f"eventTimestamp ge '{iso(start)}' and eventTimestamp le '{iso(self._now)}' "
            f"and resourceProvider eq '{provider}'"
        )

        def read() -> None:
            events = list_all(
                self._ml,
                self._factory.endpoint,
                f"/subscriptions/{sub}{ACTIVITY_LOG_PATH}",
                ACTIVITY_LOG_API_VERSION,
                {"$filter": query, "$select": _EVENT_FIELDS},
            )
            for record in events:
                operation = get_path(record, ("operationName", "value"))
                if isinstance(operation, str) and operation.lower() in KEY_REGENERATION_OPERATIONS:
                    self._add(record)

        self._guard(
            f"/subscriptions/{sub}",
            f"list Activity Log events ({provider})",
            ("activity_log",),
            read,
        )
