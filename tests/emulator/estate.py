"""The data an emulated tenant serves: ARM objects indexed by the collection that lists them.

An :class:`Estate` is built from snapshot-shaped JSON files (``{"value": [...]}`` lists of
ARM objects, subscriptions and Activity Log events) or in memory by the benchmark generator.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROLE_ASSIGNMENTS = "/providers/microsoft.authorization/roleassignments"
ROLE_DEFINITIONS = "/providers/microsoft.authorization/roledefinitions"
ACTIVITY_LOG = "/providers/microsoft.insights/eventtypes/management/values"
DIAGNOSTIC_SETTINGS = "/providers/microsoft.insights/diagnosticsettings"


def _key(text: str) -> str:
    return text.strip().lower().rstrip("/")


class Estate:
    """ARM objects by the (lower-case) path of the collection that lists them."""

    def __init__(self) -> None:
        self.subscriptions: list[dict[str, Any]] = []
        self.collections: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.resource_ids: set[str] = set()
        self.resources: dict[str, dict[str, Any]] = {}
        """Every listed object by its (lower-case) id, for a GET by id."""
        self.role_assignments: dict[str, list[dict[str, Any]]] = defaultdict(list)
        """Subscription -> the assignments its list returns (inherited ones included)."""
        self.role_definitions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, record: dict[str, Any], subscription: str | None = None) -> None:
        """Add one object; where it is listed follows from its shape and id."""
        if "operationName" in record and "eventTimestamp" in record:
            self.events[str(record["subscriptionId"]).lower()].append(record)
            return
        record_id = str(record["id"])
        if "type" not in record and "subscriptionId" in record:
            self.subscriptions.append(record)
            return
        arm_type = str(record["type"]).lower()
        if arm_type == "microsoft.authorization/roleassignments":
            subs = [subscription] if subscription else self._subscriptions_of(record)
            for sub in subs:
                self.role_assignments[sub.lower()].append(record)
            return
        if arm_type == "microsoft.authorization/roledefinitions":
            subs = [subscription] if subscription else self._subscriptions_of(record)
            for sub in subs:
                self.role_definitions[sub.lower()].append(record)
            return
        key = _key(record_id)
        self.resource_ids.add(key)
        self.resources[key] = record
        parent, _, _ = key.rpartition("/")
        if arm_type in (
            "microsoft.machinelearningservices/workspaces",
            "microsoft.cognitiveservices/accounts",
            "microsoft.machinelearningservices/registries",
        ):
            provider = arm_type.split("/")[0]
            sub = key.split("/")[2]
            parent = f"/subscriptions/{sub}/providers/{provider}/{arm_type.split('/')[1]}"
        self.collections[parent].append(record)

    def _subscriptions_of(self, record: dict[str, Any]) -> list[str]:
        """A subscription-scoped record belongs to its subscription; a tenant one to all."""
        parts = _key(str(record["id"])).split("/")
        if len(parts) > 2 and parts[1] == "subscriptions":
            return [parts[2]]
        return [str(s["subscriptionId"]) for s in self.subscriptions]

    def add_all(self, records: Iterable[dict[str, Any]]) -> None:
        """Add many objects."""
        for record in records:
            self.add(record)

    @classmethod
    def from_folder(cls, folder: Path) -> Estate:
        """Load every ``*.json`` list file of a folder (subscriptions first)."""
        estate = cls()
        files = sorted(folder.rglob("*.json"), key=lambda p: (p.name != "subscriptions.json", p))
        for path in files:
            document = json.loads(path.read_text("utf-8"))
            if document.get("kind") == "auditor-snapshot-manifest":
                continue
            estate.add_all(document["value"])
        return estate

    def collection(self, path: str) -> list[dict[str, Any]] | None:
        """Items listed at ``path``; [] for an empty child list of a known resource; None: 404."""
        key = _key(path)
        if key in self.collections:
            return self.collections[key]
        parent = key.rpartition("/")[0]
        if (
            key.endswith(DIAGNOSTIC_SETTINGS)
            and key[: -len(DIAGNOSTIC_SETTINGS)] in self.resource_ids
        ):
            return []  # an extension list: any resource answers, with none if it has none
        if parent in self.resource_ids:
            # Services_ListByWorkspace (2021-07-01) documents 200 with an empty list for a
            # workspace without v1 web services, like every other child list.
            return []
        parts = key.split("/")
        if len(parts) == 6 and parts[1] == "subscriptions" and parts[3] == "providers":
            return [] if self.has_subscription(parts[2]) else None
        return None

    def has_subscription(self, sub: str) -> bool:
        """Whether the tenant holds this subscription."""
        return any(str(s["subscriptionId"]).lower() == sub.lower() for s in self.subscriptions)
