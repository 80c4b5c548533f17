"""The emulator's Azure Resource Graph: ``POST /providers/Microsoft.ResourceGraph/resources``.

It answers the fixed queries the auditor sends (see ``auditor/collect/live/graph.py``):
``<table> | where type in~ ('<type>', ...)[ | where properties.type =~ '<X>'][ | where id in~
('<id>', ...)] | order by id asc``. It recognises that shape; it does not interpret KQL (anything else is Resource Graph's
400 ``InvalidQuery``). The rows come from the same :class:`Estate` the ARM lists serve, in
Resource Graph's shape (lower-case ``type``, ``subscriptionId``, ``resourceGroup``,
``tenantId``, ``kind``/``managedBy`` as ``""`` and ``sku``/``plan``/``identity``/``zones``/
``extendedLocation`` as ``null`` where the resource has none), pages of ``$top`` rows (at most
:attr:`GraphEmulator.page_size`) with an opaque ``$skipToken``, and the quota headers of
Microsoft's throttling guidance: :attr:`GraphEmulator.quota` queries per
:attr:`GraphEmulator.window` seconds, a 429 with ``Retry-After`` past it.
"""

from __future__ import annotations

import base64
import math
import re
import threading
import time
from collections import defaultdict
from typing import Any

from auditor import arm
from tests.emulator.estate import Estate

QUERY_RE = re.compile(
    r"^(?P<table>\w+) \| where type in~ \((?P<types>'[^']+'(?:, '[^']+')*)\)"
    r"(?: \| where properties\.type =~ '(?P<role_type>\w+)')?"
    r"(?: \| where id in~ \((?P<ids>'[^']+'(?:, '[^']+')*)\))? \| order by id asc$"
)
API_VERSIONS = frozenset({"2021-03-01", "2022-10-01", "2024-04-01"})
_TABLES = frozenset({"resources", "securityresources", "authorizationresources"})


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class GraphEmulator:
    """Resource Graph over an estate; thread-safe (the HTTP server answers in threads)."""

    def __init__(self, estate: Estate, quota: int = 15, window: float = 5.0) -> None:
        self.estate = estate
        self.page_size = 1000
        """The largest page served (``$top`` may ask for fewer)."""
        self.quota = quota
        """Queries per window, as ``x-ms-user-quota-remaining`` counts them down."""
        self.window = window
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self._used = 0
        self._index: dict[tuple[str, str], list[dict[str, Any]]] | None = None
        self._by_id: dict[str, dict[str, Any]] | None = None
        self.throttled = 0
        """Queries answered 429 because the quota was spent (a pacing failure)."""
        self.refuse_by_id = False
        """Answer every query by id list with 400 ``InvalidQuery`` (as a length limit would)."""
        self.hidden: set[str] = set()
        """Lower-case ids left out of every answer, as Resource Graph leaves out what the
        caller may not read (pair it with a 403 on the ARM GET)."""

    # -- quota ----------------------------------------------------------------------------------

    def take_quota(self) -> tuple[bool, dict[str, str]]:
        """Spend one query of the window: (allowed, the quota headers of the answer)."""
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= self.window:
                self._window_start, self._used = now, 0
            left_s = max(0.0, self.window - (now - self._window_start))
            allowed = self._used < self.quota
            if allowed:
                self._used += 1
            else:
                self.throttled += 1
            headers = {
                "x-ms-user-quota-remaining": str(max(0, self.quota - self._used)),
                "x-ms-user-quota-resets-after": _hhmmss(left_s),
            }
            if not allowed:
                headers["Retry-After"] = str(max(1, round(left_s + 0.5)))
            return allowed, headers

    # -- answering --------------------------------------------------------------------------

    def answer(self, query: dict[str, list[str]], body: Any) -> tuple[int, dict[str, Any]]:
        """The status and JSON body of one query request."""
        version = (query.get("api-version") or [""])[0]
        if version not in API_VERSIONS:
            return 400, _error("InvalidApiVersionParameter", f"api-version '{version}' is invalid")
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 400, _error("BadRequest", "The request body must give a query.")
        match = QUERY_RE.match(body["query"])
        if match is None or match["table"].lower() not in _TABLES | {"resourcecontainers"}:
            return 400, _error(
                "InvalidQuery", "Query is invalid. Please refer to the documentation"
            )
        if match["ids"] and self.refuse_by_id:
            return 400, _error("InvalidQuery", "Query is too long.")
        subscriptions = [str(s).lower() for s in body.get("subscriptions") or []]
        if not subscriptions or len(subscriptions) > 1000:
            return 400, _error("BadRequest", "Give from 1 to 1000 subscriptions.")
        options = body.get("options") or {}
        rows = self._rows(match, subscriptions)
        top = min(int(options.get("$top") or self.page_size), self.page_size)
        start = _offset(options.get("$skipToken"))
        page = rows[start : start + top]
        answer: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(page),
            "data": page,
            "facets": [],
            "resultTruncated": "false",
        }
        if start + top < len(rows):
            answer["$skipToken"] = base64.b64encode(f"offset:{start + top}".encode()).decode()
        return 200, answer

    def _rows(self, match: re.Match[str], subscriptions: list[str]) -> list[dict[str, Any]]:
        table = match["table"].lower()
        types = [t.strip("'") for t in match["types"].split(", ")]
        if table == "resourcecontainers":
            return [self._subscription_row(s) for s in subscriptions if self._has(s)]
        if table == "authorizationresources":
            return self._authorization(types, subscriptions, match["role_type"])
        index = self._by_type_and_subscription()
        found = [r for t in types for s in subscriptions for r in index.get((t, s), [])]
        if match["ids"]:
            ids = {i.strip("'") for i in match["ids"].split(", ")}
            found = [r for r in found if str(r["id"]).lower() in ids]
        found = [r for r in found if str(r["id"]).lower() not in self.hidden]
        return sorted((_row(r) for r in found), key=lambda r: str(r["id"]).lower())

    def _by_type_and_subscription(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        with self._lock:
            if self._index is None:
                index: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
                for items in self.estate.collections.values():
                    for record in items:
                        sub = arm.subscription_of(str(record.get("id", "")))
                        if sub and isinstance(record.get("type"), str):
                            index[(str(record["type"]).lower(), sub)].append(record)
                self._index = dict(index)
            return self._index

    def _authorization(
        self, types: list[str], subscriptions: list[str], role_type: str | None
    ) -> list[dict[str, Any]]:
        # What each subscription's ARM list answers (inherited records included), once each:
        # authorizationScopeFilter AtScopeAboveAndBelow over the batch.
        source = (
            self.estate.role_assignments
            if types == ["microsoft.authorization/roleassignments"]
            else self.estate.role_definitions
        )
        seen: dict[str, dict[str, Any]] = {}
        for sub in subscriptions:
            for record in source.get(sub, []):
                kind = str((record.get("properties") or {}).get("type", ""))
                if role_type and kind.lower() != role_type.lower():
                    continue
                seen.setdefault(str(record["id"]).lower(), record)
        return [_row(seen[key]) for key in sorted(seen)]

    def _has(self, sub: str) -> bool:
        return sub in self._subscriptions()

    def _subscriptions(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._by_id is None:
                self._by_id = {
                    str(s["subscriptionId"]).lower(): s for s in self.estate.subscriptions
                }
            return self._by_id

    def _subscription_row(self, sub: str) -> dict[str, Any]:
        """A ``resourcecontainers`` subscription row; its management-group chain is the groups
        whose assignments the subscription's ARM role-assignment list shows."""
        groups = sorted(
            {
                group
                for record in self.estate.role_assignments.get(sub, [])
                if (group := arm.management_group_of(str(record["id"]))) is not None
            }
        )
        record = self._subscriptions()[sub]
        return {
            "id": f"/subscriptions/{sub}",
            "name": sub,
            "type": "microsoft.resources/subscriptions",
            "subscriptionId": sub,
            "tenantId": record.get("tenantId", ""),
            "properties": {
                "managementGroupAncestorsChain": [{"name": g, "displayName": g} for g in groups]
            },
        }


def _row(record: dict[str, Any]) -> dict[str, Any]:
    """An ARM object as a Resource Graph row."""
    record_id = str(record["id"])
    row = dict(record)
    row.update(
        {
            "type": str(record.get("type") or arm.type_from_id(record_id)).lower(),
            "kind": record.get("kind") or "",
            "location": record.get("location") or "",
            "resourceGroup": arm.resource_group_of(record_id) or "",
            "subscriptionId": arm.subscription_of(record_id) or "",
            "tenantId": "99999999-0000-4000-8000-000000000099",
            "managedBy": "",
            "sku": record.get("sku"),
            "plan": None,
            "identity": record.get("identity"),
            "tags": record.get("tags"),
            "zones": None,
            "extendedLocation": None,
            "properties": record.get("properties"),
        }
    )
    return row


def _offset(token: Any) -> int:
    if not token:
        return 0
    try:
        text = base64.b64decode(str(token)).decode()
        return int(text.removeprefix("offset:"))
    except ValueError:
        return 0


def _hhmmss(seconds: float) -> str:
    whole = math.ceil(seconds)  # never earlier than the reset: a pacer trusts this
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
