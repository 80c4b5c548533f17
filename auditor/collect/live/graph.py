"""Azure Resource Graph reads: the fixed queries the live scan sends, paging, and rows turned
back into the ARM records the inventory reads.

One query answers for up to :data:`BATCH_SIZE` subscriptions at a time, 1,000 rows a page
(``Resources`` at ``POST /providers/Microsoft.ResourceGraph/resources``, api-version
2022-10-01; see ``docs/resource-graph.md``). Only types Microsoft's table reference lists are
read here (:data:`QUERIES`); everything else stays an ARM list. A query is one entry of that
table; an indexed type of a table already queried joins that query's types.

The raw ``azure-mgmt-core`` pipeline sends the query, as for the ML lists: the rows are
untyped JSON in the SDK too (``QueryResponse.data`` is ``object``), and the pipeline hands us
the quota headers the pacer needs without a response hook. A failed, truncated or malformed
answer raises :class:`GraphReadError`; the collector turns it into an error entry for every
subscription of the batch (exit 3), never into fewer resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.core import ARMPipelineClient

from auditor import arm
from auditor.collect.live.arm_reads import WORKSPACE_KINDS
from auditor.collect.live.dependencies import WORKSPACE_READ_KINDS
from auditor.collect.live.foundry import ACCOUNT_KINDS
from auditor.fields import canonical_type

GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources"
GRAPH_API_VERSION = "2022-10-01"
"""resourcegraph.json, ResourceGraph stable 2022-10-01: ``QueryRequest``/``QueryResponse``."""
BATCH_SIZE = 1000
"""Subscriptions per query: the limit Microsoft documents for one Resource Graph request."""
PAGE_ROWS = 1000
"""``options.$top``: the largest page the API allows."""
MAX_PAGES = 100_000
"""No tenant comes near this many pages of one query; past it the answer is looping."""

_GRAPH_COLUMNS = frozenset(
    {
        "resourceGroup",
        "subscriptionId",
        "tenantId",
        "managedBy",
        "plan",
        "zones",
        "extendedLocation",
    }
)
"""Columns Resource Graph adds to every row that an ARM list item does not carry."""
_EMPTY_WHEN_ABSENT = frozenset({"kind", "location", "sku", "identity", "tags"})
"""Columns Resource Graph fills with ``""`` or ``null`` where ARM leaves the key out."""


class GraphReadError(Exception):
    """A Resource Graph query that failed, was truncated, or answered out of shape."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class GraphQuery:
    """One fixed query: what it reads and what its failure leaves unread."""

    name: str
    """What the error entry says was not read (``query Resource Graph (<name>)``)."""
    table: str
    types: tuple[str, ...]
    """ARM types, as :mod:`auditor.arm` spells them."""
    kinds: tuple[str, ...]
    """The data kinds left unread when the query fails."""
    where: str = ""
    """A further KQL filter (``| where ...``)."""
    scope_filter: str | None = None
    """``options.authorizationScopeFilter`` (authorization tables only)."""

    @property
    def text(self) -> str:
        """The KQL sent (the emulator recognises exactly these strings)."""
        types = ", ".join(f"'{t.lower()}'" for t in self.types)
        where = f" | where {self.where}" if self.where else ""
        return f"{self.table} | where type in~ ({types}){where} | order by id asc"


ROLE_SCOPE = "AtScopeAboveAndBelow"
"""Assignments and definitions at, above and below each subscription: what ARM's
``roleAssignments`` list of a subscription answers (inherited ones included)."""

AI_RESOURCES = GraphQuery(
    "ML and AI Services resources",
    "resources",
    (
        arm.WORKSPACE,
        arm.ONLINE_ENDPOINT,
        arm.ONLINE_DEPLOYMENT,
        arm.SERVERLESS_ENDPOINT,
        arm.ML_REGISTRY,
        arm.AI_ACCOUNT,
    ),
    tuple(
        dict.fromkeys((*WORKSPACE_KINDS, *WORKSPACE_READ_KINDS, "ml_registries", *ACCOUNT_KINDS))
    ),
)
"""Every audited type of the ``resources`` table in one query: the quota counts queries, not
rows, and most batches hold far fewer than a page (1,000 rows) of each type. One query a type
spent six of a window's fifteen on each batch."""

QUERIES: tuple[GraphQuery, ...] = (
    AI_RESOURCES,
    GraphQuery(
        "Defender for Cloud plans", "securityresources", (arm.DEFENDER_PLAN,), ("defender_plans",)
    ),
    GraphQuery(
        "custom role definitions",
        "authorizationresources",
        (arm.ROLE_DEFINITION,),
        ("role_definitions",),
        where="properties.type =~ 'CustomRole'",
        scope_filter=ROLE_SCOPE,
    ),
)
"""The indexed types read through Resource Graph, a query a table (docs/resource-graph.md)."""
ROLE_ASSIGNMENTS = GraphQuery(
    "role assignments",
    "authorizationresources",
    (arm.ROLE_ASSIGNMENT,),
    ("role_assignments",),
    scope_filter=ROLE_SCOPE,
)
"""Read with :data:`SUBSCRIPTION_CHAIN`, which says which subscriptions inherit each
management-group assignment."""

SUBSCRIPTION_CHAIN = GraphQuery(
    "subscription management groups",
    "resourcecontainers",
    ("Microsoft.Resources/subscriptions",),
    ("role_assignments",),
)
"""Each subscription's ``properties.managementGroupAncestorsChain``: which management-group
role assignments it inherits (an ARM list per subscription shows them; a query over many
subscriptions does not say for which)."""


DEPENDENCY_TYPES = (arm.STORAGE_ACCOUNT, arm.CONTAINER_REGISTRY, arm.KEY_VAULT)
"""What a workspace names by id (``storageAccount``, ``containerRegistry``, ``keyVault``)."""
IDS_PER_QUERY = 200
"""Ids in one dependency query (about 36 KB of KQL). Microsoft documents no limit on a query's
length; a query the service refuses costs only its GETs (see :func:`dependencies`)."""
_QUOTABLE_ID = re.compile(
    r"/subscriptions/[0-9a-f-]{36}/resourcegroups/[a-z0-9_.()-]+/providers/[a-z0-9.]+/[a-z]+/"
    r"[a-z0-9-]+",
    re.ASCII | re.IGNORECASE,
)
"""An id that can stand between quotes in KQL as it is: no quote, backslash or space can reach
the query text (anything else is read with its ARM GET)."""


def quotable(resource_id: str) -> bool:
    """Whether ``resource_id`` may be named in :func:`dependencies`' query."""
    return _QUOTABLE_ID.fullmatch(resource_id) is not None


def dependencies(resource_ids: Sequence[str]) -> GraphQuery:
    """The query for the storage accounts, registries and vaults with these (quotable) ids.

    A resource without a row (absent, not readable by the caller, or not indexed yet) is read
    with its ARM GET, whose 404 or 403 is the error entry it always was; so is every id of a
    query that fails.
    """
    if not all(quotable(i) for i in resource_ids):
        raise ValueError("an id that cannot be quoted in KQL")
    ids = ", ".join(f"'{i.lower()}'" for i in resource_ids)
    return GraphQuery(
        "workspace dependencies", "resources", DEPENDENCY_TYPES, (), f"id in~ ({ids})"
    )


def subscription_chains(rows: Sequence[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """Subscription -> the (lower-case) management groups above it."""
    chains: dict[str, frozenset[str]] = {}
    for row in rows:
        sub = row.get("subscriptionId")
        properties = row.get("properties")
        chain = (
            properties.get("managementGroupAncestorsChain")
            if isinstance(properties, dict)
            else None
        )
        if not isinstance(sub, str):
            continue
        groups = [g.get("name") for g in chain or () if isinstance(g, dict)]
        chains[sub.lower()] = frozenset(str(g).lower() for g in groups if isinstance(g, str))
    return chains


def request_body(
    query: GraphQuery, subscriptions: Sequence[str], skip_token: str | None
) -> dict[str, Any]:
    """The ``QueryRequest`` for one page."""
    options: dict[str, Any] = {"resultFormat": "objectArray", "$top": PAGE_ROWS}
    if skip_token:
        options["$skipToken"] = skip_token
    if query.scope_filter:
        options["authorizationScopeFilter"] = query.scope_filter
    return {"subscriptions": list(subscriptions), "query": query.text, "options": options}


def rows(
    client: ARMPipelineClient[Any, Any],
    endpoint: str,
    query: GraphQuery,
    subscriptions: Sequence[str],
) -> Iterator[dict[str, Any]]:
    """Every row of a query over ``subscriptions``, following ``$skipToken``."""
    url = f"{endpoint}{GRAPH_PATH}?api-version={GRAPH_API_VERSION}"
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        body = json.dumps(request_body(query, subscriptions, token))
        request = HttpRequest("POST", url, content=body, headers=_JSON)
        response = client.send_request(request)
        answer = _json(response.text())
        if response.status_code != 200:
            raise GraphReadError(_error_text(answer, response.status_code), response.status_code)
        yield from _page(answer)
        next_token = answer.get("$skipToken")
        if not next_token:
            return
        if not isinstance(next_token, str) or next_token in seen:
            raise GraphReadError("the $skipToken repeats or is not a string (a paging loop)")
        seen.add(next_token)
        token = next_token
    raise GraphReadError(f"more than {MAX_PAGES} pages: the answer does not end")


_JSON = {"Content-Type": "application/json"}


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise GraphReadError("the answer is not JSON") from None
    if not isinstance(value, dict):
        raise GraphReadError("the answer is not a JSON object")
    return value


def _error_text(answer: Mapping[str, Any], status: int) -> str:
    error = answer.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"]).splitlines()[0]
    return f"HTTP {status}"


def _page(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of one ``QueryResponse`` page; a truncated or malformed page raises."""
    truncated = answer.get("resultTruncated")
    if truncated not in ("false", False):
        # "true" means rows were dropped (the API's row limit without paging): never fewer.
        raise GraphReadError(f"the result is truncated (resultTruncated: {truncated!r})")
    data = answer.get("data")
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise GraphReadError("'data' is not an array of objects (resultFormat objectArray)")
    count = answer.get("count")
    if count != len(data):
        raise GraphReadError(f"the page says count {count!r} but holds {len(data)} rows")
    return data


def to_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ARM list item a Resource Graph row stands for.

    Resource Graph spells types in lower case and adds columns of its own (resource group,
    subscription, tenant...), filled with ``""`` or ``null`` where the resource has none; the
    rules read ARM's casing and ARM's keys.
    """
    record: dict[str, Any] = {}
    for key, value in row.items():
        if key in _GRAPH_COLUMNS:
            continue
        if key in _EMPTY_WHEN_ABSENT and value in (None, ""):
            continue
        record[key] = value
    row_type = row.get("type")
    if isinstance(row_type, str):
        record["type"] = canonical_type(row_type) or row_type
    return record


def subscription_of_row(record: Mapping[str, Any]) -> str | None:
    """The subscription a record's id is under (lower-case)."""
    record_id = record.get("id")
    return arm.subscription_of(record_id) if isinstance(record_id, str) else None


def batches(subscriptions: Sequence[str], size: int = BATCH_SIZE) -> list[list[str]]:
    """The subscriptions in query-sized batches, in order."""
    return [list(subscriptions[i : i + size]) for i in range(0, len(subscriptions), size)]
