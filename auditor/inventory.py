"""The inventory: every audited record of a scan, indexed for the rules.

Built from ARM JSON objects, whether they came from snapshot files, a live scan or the demo
estate. Records are recognised by shape (see :func:`InventoryBuilder.add`) and turned into
typed objects by :mod:`auditor.intake`: only the fields declared for each type
(:mod:`auditor.fields`) are kept, and secret-looking environment values are redacted, before
anything downstream can see them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from auditor import arm
from auditor.fields import AI_ML_TYPES, canonical_type

# ENV_PATHS is re-exported for predicates.py, which imports it from here.
from auditor.intake import ENV_PATHS as ENV_PATHS
from auditor.intake import event_of, resource_of
from auditor.model import (
    ActivityEvent,
    CollectionError,
    Resource,
    SourceRef,
    Subscription,
)
from auditor.records import MANIFEST_KIND as MANIFEST_KIND  # re-exported: readers import both
from auditor.records import UnrecognisedRecord as UnrecognisedRecord
from auditor.records import (
    check_resource,
    check_subscription,
    json_kind,
    read_manifest,
)

T = TypeVar("T")


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
        shared_skipped: Mapping[str, int] | None = None,
    ) -> None:
        self.shared_skipped: Mapping[str, int] = dict(shared_skipped or {})
        """Of ``skipped_types``, the records that belong to no subscription (``--shard``:
        every shard holds them)."""
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
        self._ai_ml = [r for r in self.resources.values() if r.type in AI_ML_TYPES]
        for resource in self._ai_ml:
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
        return list(self._ai_ml)

    def ai_ml_resources_under(self, scope_key: str) -> list[Resource]:
        """AI/ML resources at or below a subscription, resource-group or resource scope."""
        subscription = arm.subscription_of(scope_key)
        group = arm.resource_group_of(scope_key)
        if group is None:
            candidates = self._ai_ml_by_subscription.get(subscription, [])
        else:
            candidates = self._ai_ml_by_group.get((subscription, group), [])
        # A scope that is the subscription or group itself holds every candidate: no filter
        # (a tenant's thousands of assignments at those scopes made this quadratic).
        if scope_key.rstrip("/").count("/") == (2 if group is None else 4):
            return list(candidates)
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

    def __init__(self, keep_subscription: Callable[[str], bool] | None = None) -> None:
        """``keep_subscription`` (``--shard``): records of other subscriptions are dropped as
        they arrive, but for role definitions; records of no subscription are kept."""
        self._keep = keep_subscription
        self._resources: dict[str, Resource] = {}
        self._events: dict[tuple[str, str, str, str], ActivityEvent] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._declared: dict[str, set[str]] = defaultdict(set)
        self._errors: list[CollectionError] = []
        self._skipped: Counter[str] = Counter()
        self._shared_skipped: Counter[str] = Counter()
        self._mg_subscriptions: dict[str, set[str]] = defaultdict(set)
        self._strings: dict[str, str] = {}
        """One object per distinct string of the resources read. Records repeat most of their
        values (types, subscriptions, role definition ids, scopes, "Enabled"), each its own
        object from its own JSON file: a third of the inventory's memory. Only the builder
        holds this table; the inventory keeps the shared strings, not the table."""

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
            raise UnrecognisedRecord(f"expected a JSON object, found {json_kind(record)}")
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
        if "type" not in record and "subscriptionId" in record:
            check_subscription(record)
            self._add_subscription(record)
            return "subscription"
        raw_type = record.get("type")
        if raw_type is not None and not isinstance(raw_type, str):
            raise UnrecognisedRecord("type: expected a string")
        arm_type = raw_type if raw_type else arm.type_from_id(record_id)
        if "." not in arm_type.partition("/")[0]:
            # Not namespaced: the outbound-rule list answers `workspace/outboundRules`; the
            # id says what the record is.
            arm_type = arm.type_from_id(record_id)
        canonical = canonical_type(arm_type)
        if canonical is None:
            subscription_id = arm.subscription_of(record_id)
            if self._kept(subscription_id):
                skipped = arm_type.lower() or "(no type)"
                self._skipped[skipped] += 1
                if subscription_id is None:
                    self._shared_skipped[skipped] += 1
            return "skipped"
        check_resource(record)
        self.add_resource(record, canonical, source)
        return "resource"

    def source_of(self, resource_id: str) -> SourceRef | None:
        """Where the resource with this id (any casing) was read from, if it was added."""
        resource = self._resources.get(arm.normalise_id(resource_id))
        return resource.source if resource is not None else None

    def add_resource(self, record: Mapping[str, Any], arm_type: str, source: SourceRef) -> None:
        """Add an ARM object of a known audited type."""
        resource = resource_of(record, arm_type, source, self._share)
        resource_id, key, subscription_id = resource.id, resource.key, resource.subscription_id
        # A role definition is looked up by assignments in other subscriptions too: every
        # shard keeps them all (the engine judges only its own shard's resources).
        if not self._kept(subscription_id) and arm_type != arm.ROLE_DEFINITION:
            return
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
        if (
            subscription_id
            and subscription_id not in self._subscriptions
            and self._kept(subscription_id)
        ):
            self._subscriptions[subscription_id] = Subscription(id=subscription_id)

    def _share(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def add_error(self, error: CollectionError) -> None:
        """Record something that could not be read."""
        if self._kept(arm.subscription_of(error.scope)):
            self._errors.append(error)

    def declare_collected(self, subscription_id: str, kinds: Iterable[str]) -> None:
        """Record that ``kinds`` were collected for a subscription (even if empty)."""
        if self._kept(subscription_id):
            self._declared[subscription_id.lower()].update(kinds)

    def note_management_group(self, group: str, subscription_id: str) -> None:
        """Record that a management-group assignment was listed for a subscription."""
        if self._kept(subscription_id):
            self._mg_subscriptions[group.lower()].add(subscription_id.lower())

    def _kept(self, subscription_id: str | None) -> bool:
        return self._keep is None or not subscription_id or self._keep(subscription_id)

    def _add_subscription(self, record: Mapping[str, Any]) -> None:
        sub_id = str(record["subscriptionId"]).lower()
        if not self._kept(sub_id):
            return
        name = record.get("displayName")
        self._subscriptions[sub_id] = Subscription(
            id=sub_id, name=str(name) if isinstance(name, str) else None
        )

    def _add_event(self, record: Mapping[str, Any]) -> None:
        event = event_of(record)
        subscription_id = event.subscription_id
        if not self._kept(subscription_id):
            return
        identity = (
            event.operation.lower(),
            event.status.lower(),
            event.resource_key,
            str(record.get("eventDataId") or event.timestamp.isoformat()),
        )
        self._events[identity] = event
        if subscription_id and subscription_id not in self._subscriptions:
            self._subscriptions[subscription_id] = Subscription(id=subscription_id)

    def _add_manifest(self, record: Mapping[str, Any]) -> None:
        manifest = read_manifest(record)
        for subscription_id, kinds in manifest.coverage:
            self.declare_collected(subscription_id, kinds)
        for group, subscriptions in manifest.management_groups:
            for subscription_id in subscriptions:
                self.note_management_group(group, subscription_id)
        for error in manifest.errors:
            self.add_error(error)

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
            shared_skipped=self._shared_skipped,
        )


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
