"""The inventory: every audited record of a scan, indexed for the rules.

Built from ARM JSON objects, whether they came from snapshot files, a live scan or the demo
estate. Records are recognised by shape (see :func:`InventoryBuilder.add`). Only the fields
declared for each type (:mod:`auditor.fields`) are kept, and secret-looking environment
values are redacted here, before anything downstream can see them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from auditor import arm
from auditor.fields import keep_declared
from auditor.model import (
    DATA_KINDS,
    ActivityEvent,
    CollectionError,
    Resource,
    SourceRef,
    Subscription,
)
from auditor.secrets import scrub_record
from auditor.timeutil import parse_timestamp

T = TypeVar("T")

MANIFEST_KIND = "auditor-snapshot-manifest"
"""The ``kind`` of the manifest object ``auditor collect`` writes beside a snapshot."""

# Environment-variable maps, per type, as dotted paths under the ARM object.
ENV_PATHS: Mapping[str, tuple[str, ...]] = {
    arm.ONLINE_DEPLOYMENT: ("properties", "environmentVariables"),
    arm.WEB_SERVICE: (
        "properties",
        "environmentImageRequest",
        "environment",
        "environmentVariables",
    ),
}


class UnrecognisedRecord(ValueError):
    """A JSON object that is none of the shapes the inventory reads."""


def get_path(data: Mapping[str, Any], path: Iterable[str]) -> Any:
    """Follow keys through nested mappings; None when any step is missing."""
    current: Any = data
    for step in path:
        if not isinstance(current, Mapping) or step not in current:
            return None
        current = current[step]
    return current


@dataclass(frozen=True)
class Coverage:
    """Which data kinds were collected for which subscriptions, and what failed."""

    declared: Mapping[str, frozenset[str]]
    """Subscription id -> data kinds a manifest (or live collection) says were collected."""
    errors: tuple[CollectionError, ...]


class Inventory:
    """Everything a scan saw, read-only once built."""

    def __init__(
        self,
        resources: Mapping[str, Resource],
        events: Iterable[ActivityEvent],
        subscriptions: Mapping[str, Subscription],
        coverage: Coverage,
        skipped_types: Mapping[str, int],
        management_group_subscriptions: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.resources: Mapping[str, Resource] = dict(resources)
        self.events: tuple[ActivityEvent, ...] = tuple(events)
        self.subscriptions: Mapping[str, Subscription] = dict(subscriptions)
        self.coverage = coverage
        self.skipped_types: Mapping[str, int] = dict(skipped_types)
        self._mg_subscriptions = dict(management_group_subscriptions or {})
        self._memo: dict[str, Any] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        for resource in self.resources.values():
            self._by_type[resource.type].append(resource)
        self._events_by_resource: dict[str, list[ActivityEvent]] = defaultdict(list)
        self._event_subscriptions: set[str] = set()
        for event in self.events:
            self._events_by_resource[event.resource_key].append(event)
            if event.subscription_id:
                self._event_subscriptions.add(event.subscription_id)
        self._ai_ml_by_group: dict[tuple[str | None, str | None], list[Resource]] = defaultdict(
            list
        )
        self._ai_ml_by_subscription: dict[str | None, list[Resource]] = defaultdict(list)
        for resource in self.resources.values():
            if resource.type in arm.AI_ML_TYPES:
                self._ai_ml_by_subscription[resource.subscription_id].append(resource)
                self._ai_ml_by_group[(resource.subscription_id, resource.resource_group)].append(
                    resource
                )
        self._role_definitions: dict[str, Resource] = {}
        for definition in self._by_type.get(arm.ROLE_DEFINITION, []):
            self._role_definitions[definition.name.lower()] = definition

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """A derived index, built once per inventory (an inventory never changes once built)."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value

    @property
    def errors(self) -> tuple[CollectionError, ...]:
        """Collection errors carried into the report."""
        return self.coverage.errors

    def of_type(self, arm_type: str) -> list[Resource]:
        """Resources of one canonical type, in input order."""
        return list(self._by_type.get(arm_type, []))

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def get(self, key: str) -> Resource | None:
        """A resource by id (any casing)."""
        return self.resources.get(arm.normalise_id(key))

    def parent(self, resource: Resource) -> Resource | None:
        """The parent resource (workspace of a compute), when it is in the inventory."""
        return self.resources.get(resource.parent_key) if resource.parent_key else None

    def events_for(self, resource_key: str) -> list[ActivityEvent]:
        """Activity Log events about one resource."""
        return list(self._events_by_resource.get(resource_key, []))

    def role_definition(self, guid: str) -> Resource | None:
        """A collected role definition by its GUID."""
        return self._role_definitions.get(guid.lower())

    def has_data(self, kind: str, subscription_id: str | None) -> bool:
        """Whether ``kind`` data was collected for the subscription (declared or seen)."""
        if subscription_id is None:
            return False
        if kind in self.coverage.declared.get(subscription_id, frozenset()):
            return True
        if kind == "activity_log":
            return subscription_id in self._event_subscriptions
        return False

    def error_for(self, kind: str, subscription_id: str | None) -> CollectionError | None:
        """The collection error that left ``kind`` unread for a subscription, if any."""
        for error in self.coverage.errors:
            if kind not in error.data_kinds:
                continue
            scope_sub = arm.subscription_of(error.scope)
            if scope_sub is None or scope_sub == subscription_id:
                return error
        return None

    def ai_ml_resources(self) -> list[Resource]:
        """All audited AI/ML resources (not access-control records)."""
        return [r for r in self.resources.values() if r.type in arm.AI_ML_TYPES]

    def ai_ml_resources_under(self, scope_key: str) -> list[Resource]:
        """AI/ML resources at or below a subscription, resource-group or resource scope."""
        subscription = arm.subscription_of(scope_key)
        group = arm.resource_group_of(scope_key)
        if group is None:
            candidates = self._ai_ml_by_subscription.get(subscription, [])
        else:
            candidates = self._ai_ml_by_group.get((subscription, group), [])
        return [r for r in candidates if arm.scope_contains(scope_key, r.key)]

    @property
    def management_groups(self) -> Mapping[str, frozenset[str]]:
        """Management group -> subscriptions whose assignment lists showed it."""
        return dict(self._mg_subscriptions)

    def subscriptions_under(self, scope: str) -> frozenset[str] | None:
        """Subscriptions a management-group scope was listed for; None means all of them."""
        group = arm.management_group_of(scope)
        if group is None:
            return None
        return self._mg_subscriptions.get(group)


class InventoryBuilder:
    """Accumulates JSON records, recognised by shape, into an :class:`Inventory`."""

    def __init__(self) -> None:
        self._resources: dict[str, Resource] = {}
        self._events: dict[tuple[str, str, str, str], ActivityEvent] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._declared: dict[str, set[str]] = defaultdict(set)
        self._errors: list[CollectionError] = []
        self._skipped: Counter[str] = Counter()
        self._mg_subscriptions: dict[str, set[str]] = defaultdict(set)

    @property
    def skipped_types(self) -> Mapping[str, int]:
        """Counts of records of types the tool does not audit."""
        return dict(self._skipped)

    def add(self, record: object, source: SourceRef) -> str:
        """Add one JSON object; returns what it was recognised as.

        Raises :class:`UnrecognisedRecord` for anything that is none of: an ARM resource
        (``id`` + ``type``), a subscription, an Activity Log event, or a snapshot manifest.
        """
        if not isinstance(record, dict):
            raise UnrecognisedRecord(f"expected a JSON object, found {type(record).__name__}")
        if record.get("kind") == MANIFEST_KIND:
            self._add_manifest(record)
            return "manifest"
        operation = record.get("operationName")
        if isinstance(operation, dict) and "eventTimestamp" in record:
            self._add_event(record)
            return "event"
        record_id = record.get("id")
        if not isinstance(record_id, str) or not record_id.strip():
            raise UnrecognisedRecord(
                "not an ARM resource (no 'id'), Activity Log event or snapshot manifest"
            )
        if "type" not in record and isinstance(record.get("subscriptionId"), str):
            self._add_subscription(record)
            return "subscription"
        raw_type = record.get("type")
        if raw_type is not None and not isinstance(raw_type, str):
            raise UnrecognisedRecord("'type' must be a string")
        arm_type = raw_type if raw_type else arm.type_from_id(record_id)
        canonical = arm.canonical_type(arm_type)
        if canonical is None:
            self._skipped[arm_type.lower() or "(no type)"] += 1
            return "skipped"
        self.add_resource(record, canonical, source)
        return "resource"

    def source_of(self, resource_id: str) -> SourceRef | None:
        """Where the resource with this id (any casing) was read from, if it was added."""
        resource = self._resources.get(arm.normalise_id(resource_id))
        return resource.source if resource is not None else None

    def add_resource(self, record: Mapping[str, Any], arm_type: str, source: SourceRef) -> None:
        """Add an ARM object of a known audited type."""
        resource_id = str(record["id"])
        key = arm.normalise_id(resource_id)
        # An allow-list, not a deny-list: only the fields declared for the type are kept, so a
        # credential field nobody thought of never enters the inventory (or a saved snapshot).
        data = keep_declared(record, arm_type)
        data = scrub_record(data, ENV_PATHS.get(arm_type))
        subscription_id = arm.subscription_of(resource_id)
        if arm_type == arm.ROLE_ASSIGNMENT:
            scope = get_path(data, ("properties", "scope"))
            if isinstance(scope, str) and arm.management_group_of(scope) is None:
                subscription_id = arm.subscription_of(scope) or subscription_id
        name = record.get("name")
        resource = Resource(
            id=resource_id,
            key=key,
            type=arm_type,
            name=str(name) if isinstance(name, str) and name else arm.last_segment(resource_id),
            subscription_id=subscription_id,
            resource_group=arm.resource_group_of(resource_id),
            location=arm.normalise_region(record.get("location")),
            data=data,
            source=source,
            parent_key=_parent_key(key, arm_type),
        )
        kept = self._resources.get(key)
        if kept is None:
            self._resources[key] = resource
        elif _conflicting(kept.data, resource.data, top=True):
            # Conflicting evidence: judge the first record read, but never silently.
            self._errors.append(
                CollectionError(
                    scope=resource_id,
                    operation="read resource",
                    message=(
                        f"two different records of this id: judged the one from "
                        f"{kept.source.path or kept.source.kind}, ignored the one from "
                        f"{source.path or source.kind}"
                    ),
                )
            )
        if subscription_id and subscription_id not in self._subscriptions:
            self._subscriptions[subscription_id] = Subscription(id=subscription_id)

    def add_error(self, error: CollectionError) -> None:
        """Record something that could not be read."""
        self._errors.append(error)

    def declare_collected(self, subscription_id: str, kinds: Iterable[str]) -> None:
        """Record that ``kinds`` were collected for a subscription (even if empty)."""
        self._declared[subscription_id.lower()].update(kinds)

    def note_management_group(self, group: str, subscription_id: str) -> None:
        """Record that a management-group assignment was listed for a subscription."""
        self._mg_subscriptions[group.lower()].add(subscription_id.lower())

    def _add_subscription(self, record: Mapping[str, Any]) -> None:
        sub_id = str(record["subscriptionId"]).lower()
        name = record.get("displayName")
        self._subscriptions[sub_id] = Subscription(
            id=sub_id, name=str(name) if isinstance(name, str) else None
        )

    def _add_event(self, record: Mapping[str, Any]) -> None:
        operation = get_path(record, ("operationName", "value"))
        if not isinstance(operation, str):
            raise UnrecognisedRecord("Activity Log event without operationName.value")
        timestamp = parse_timestamp(record.get("eventTimestamp"))
        if timestamp is None:
            raise UnrecognisedRecord(
                "Activity Log event with an unreadable eventTimestamp "
                f"{record.get('eventTimestamp')!r}"
            )
        status = get_path(record, ("status", "value"))
        resource_id = record.get("resourceId")
        if not isinstance(resource_id, str):
            resource_id = ""
        sub = record.get("subscriptionId")
        subscription_id = (
            str(sub).lower() if isinstance(sub, str) and sub else arm.subscription_of(resource_id)
        )
        event = ActivityEvent(
            operation=operation,
            status=status if isinstance(status, str) else "",
            timestamp=timestamp,
            resource_key=arm.normalise_id(resource_id) if resource_id else "",
            subscription_id=subscription_id,
        )
        identity = (
            event.operation.lower(),
            event.status.lower(),
            event.resource_key,
            str(record.get("eventDataId") or timestamp.isoformat()),
        )
        self._events[identity] = event
        if subscription_id and subscription_id not in self._subscriptions:
            self._subscriptions[subscription_id] = Subscription(id=subscription_id)

    def _add_manifest(self, record: Mapping[str, Any]) -> None:
        coverage = record.get("coverage", [])
        if not isinstance(coverage, list):
            raise UnrecognisedRecord("manifest 'coverage' must be a list")
        for entry in coverage:
            if not isinstance(entry, dict) or not isinstance(entry.get("subscription_id"), str):
                raise UnrecognisedRecord("manifest coverage entries need a 'subscription_id'")
            kinds = entry.get("collected", [])
            unknown = [k for k in kinds if k not in DATA_KINDS]
            if unknown:
                raise UnrecognisedRecord(f"manifest names unknown data kinds: {unknown}")
            self.declare_collected(entry["subscription_id"], kinds)
        for group, subs in (record.get("management_groups") or {}).items():
            for sub in subs:
                self.note_management_group(str(group), str(sub))
        for error in record.get("errors", []) or []:
            if not isinstance(error, dict):
                raise UnrecognisedRecord("manifest errors must be objects")
            self._errors.append(
                CollectionError(
                    scope=str(error.get("scope", "")),
                    operation=str(error.get("operation", "")),
                    message=str(error.get("message", "")),
                    status_code=error.get("status_code"),
                    missing_permission=error.get("missing_permission"),
                    data_kinds=tuple(error.get("data_kinds", ())),
                )
            )

    def build(self) -> Inventory:
        """Freeze what was added into an :class:`Inventory`."""
        return Inventory(
            resources=self._resources,
            events=self._events.values(),
            subscriptions=self._subscriptions,
            coverage=Coverage(
                declared={k: frozenset(v) for k, v in self._declared.items()},
                errors=tuple(self._errors),
            ),
            skipped_types=self._skipped,
            management_group_subscriptions={
                k: frozenset(v) for k, v in self._mg_subscriptions.items()
            },
        )


_PARENT_DEPTH = {
    arm.COMPUTE: 2,
    arm.ONLINE_ENDPOINT: 2,
    arm.WEB_SERVICE: 2,
    arm.WORKSPACE_CONNECTION: 2,
    arm.ONLINE_DEPLOYMENT: 2,
}


def _conflicting(first: object, second: object, *, top: bool = False) -> bool:
    """Whether two records of one id disagree on a value both hold.

    Only keys present in both count (a Resource Graph row carries extra columns); strings
    compare case-insensitively, as ARM ids, types and enum values do.
    """
    if isinstance(first, dict) and isinstance(second, dict):
        shared = (set(first) & set(second)) - ({"id", "type"} if top else set())
        return any(_conflicting(first[key], second[key]) for key in shared)
    if isinstance(first, str) and isinstance(second, str):
        return first.lower() != second.lower()
    return first != second


def _parent_key(key: str, arm_type: str) -> str | None:
    """Children link to parents by id prefix: drop the last ``/type/name`` pair."""
    depth = _PARENT_DEPTH.get(arm_type)
    if depth is None:
        return None
    parts = key.split("/")
    return "/".join(parts[:-depth]) if len(parts) > depth else None


def workspace_key_of(resource: Resource) -> str | None:
    """The workspace a workspace child (at any depth) belongs to."""
    match = re.match(
        r"^(/subscriptions/[^/]+/resourcegroups/[^/]+/providers/"
        r"microsoft\.machinelearningservices/workspaces/[^/]+)",
        resource.key,
    )
    return match.group(1) if match else None
