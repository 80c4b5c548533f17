"""The Resource Graph walk (``--collector graph``): per batch of subscriptions, one query per
indexed type, the role assignments with the management-group chains they reach through, and
the workspaces' dependencies by id; each workspace and account row then leads to the ARM
lists Resource Graph does not index (:class:`~auditor.collect.live.tree.Tree`).

The queries and the row shapes are :mod:`.graph`'s; this module decides what is read when.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError
from azure.mgmt.core import ARMPipelineClient

from auditor import arm
from auditor.collect.live import graph
from auditor.collect.live.failures import error_text
from auditor.collect.live.graph import GraphQuery, GraphReadError
from auditor.collect.live.ledger import Ledger
from auditor.collect.live.progress import Progress
from auditor.collect.live.tree import ACTIVITY_PROVIDERS, Tree
from auditor.intake import get_path

LEADING = frozenset({arm.WORKSPACE, arm.AI_ACCOUNT})
"""The types whose rows lead to ARM lists (their children, their dependencies)."""


class GraphWalk:
    """Reads batches of subscriptions through Resource Graph into the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        tree: Tree,
        client: ARMPipelineClient[Any, Any],
        endpoint: str,
        scanned: frozenset[str],
        progress: Progress,
    ) -> None:
        self._ledger = ledger
        self._tree = tree
        self._client = client
        self._endpoint = endpoint
        self._scanned = scanned
        """The scan's subscriptions (lower case): a query names no other."""
        self._progress = progress

    def start(self, batches: list[list[str]]) -> None:
        """Queue every query of every batch on the pool's paced workers: first, across all
        batches, the queries whose rows lead to ARM lists (workspaces, AI Services accounts),
        so those lists run while the other queries wait for quota, not after them."""
        pool = self._ledger.pool
        leading = [q for q in graph.QUERIES if LEADING.intersection(q.types)]
        rest = [q for q in graph.QUERIES if q not in leading]
        with pool.holding(tuple(sub for batch in batches for sub in batch)):
            for query in leading + rest:
                for batch in batches:
                    pool.submit_paced(tuple(batch), self._query, batch, query)
            for batch in batches:
                pool.submit_paced(tuple(batch), self._role_assignments, batch)

    def _rows(self, batch: list[str], query: GraphQuery) -> list[dict[str, Any]] | None:
        """Every row of ``query`` over ``batch``; None (and an error per subscription) when
        the query failed: a partial answer is never used."""
        found: list[dict[str, Any]] = []

        def read() -> None:
            found.extend(graph.rows(self._client, self._endpoint, query, batch))

        scopes = [f"/subscriptions/{sub}" for sub in batch]
        operation = f"query Resource Graph ({query.name})"
        return found if self._ledger.guard(scopes, operation, query.kinds, read) else None

    def _query(self, batch: list[str], query: GraphQuery) -> None:
        """The query on a paced worker; its rows are taken on the others (a batch's thousand
        workspace rows are seconds of CPU that would hold a worker the quota needs)."""
        rows = self._rows(batch, query)
        self._ledger.pool.submit(tuple(batch), self._take, batch, rows)

    def _take(self, batch: list[str], rows: list[dict[str, Any]] | None) -> None:
        held: set[tuple[str, str]] = set()
        dependencies: list[str] = []
        for row in rows or ():
            record = graph.to_record(row)
            self._ledger.add(record)
            sub = graph.subscription_of_row(record) or ""
            held.add((sub, str(record.get("type") or "").split("/")[0].lower()))
            if record.get("type") == arm.WORKSPACE:
                self._tree.workspace(sub, record, dependencies)
            elif record.get("type") == arm.AI_ACCOUNT:
                self._tree.account(sub, record)
        if rows is None:  # what the batch holds is not known: read its logs as the ARM path does
            held = {(sub, p.lower()) for sub in batch for p in ACTIVITY_PROVIDERS}
        self._tree.activity_logs(held)
        keys = tuple(batch)
        for start in range(0, len(dependencies), graph.IDS_PER_QUERY):
            chunk = dependencies[start : start + graph.IDS_PER_QUERY]
            self._ledger.pool.submit_paced(keys, self._dependencies, keys, chunk)

    def _dependencies(self, keys: tuple[str, ...], ids: list[str]) -> None:
        """Workspace dependencies by one query; an id without a row is read with its GET.

        Only ids in the scan's subscriptions are queried (a query naming another subscription
        may be refused whole); the rest, and all of them when the query fails, are GETs, which
        say what is not readable as they always did. A failed query is no error entry: the
        GETs are the answer."""
        queried = [i for i in ids if graph.quotable(i) and arm.subscription_of(i) in self._scanned]
        rows: dict[str, dict[str, Any]] = {}
        if queried and not self._ledger.deadline.expired():
            subscriptions = sorted({arm.subscription_of(i) or "" for i in queried})
            query = graph.dependencies(queried)
            try:
                for row in graph.rows(self._client, self._endpoint, query, subscriptions):
                    record = graph.to_record(row)
                    rows[str(record.get("id") or "").lower()] = record
            except (AzureError, GraphReadError) as exc:
                self._progress.log(f"{query.name} read by GET: {error_text(exc)}")
                rows = {}
        for resource_id in ids:
            answered = rows.get(resource_id.lower())
            if answered is not None:
                self._ledger.add(answered)
            else:
                self._ledger.submit(keys, self._tree.dependencies.get(resource_id))

    def _role_assignments(self, batch: list[str]) -> None:
        """The two queries on a paced worker; their rows are taken on the others."""
        chains = self._rows(batch, graph.SUBSCRIPTION_CHAIN)
        found = None if chains is None else self._rows(batch, graph.ROLE_ASSIGNMENTS)
        if chains is not None and found is not None:
            self._ledger.pool.submit(tuple(batch), self._take_assignments, chains, found)

    def _take_assignments(self, chains: list[dict[str, Any]], found: list[dict[str, Any]]) -> None:
        below: dict[str, list[str]] = {}
        for sub, groups in graph.subscription_chains(chains).items():
            for group in groups:
                below.setdefault(group, []).append(sub)
        for row in found:
            record = graph.to_record(row)
            self._ledger.add(record)
            scope = get_path(record, ("properties", "scope"))
            name = arm.management_group_of(scope) if isinstance(scope, str) else None
            for sub in below.get(name or "", ()):
                self._ledger.note_management_group(name or "", sub)
