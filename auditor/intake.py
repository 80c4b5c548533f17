"""One recognised JSON record to the typed object the inventory holds.

A resource keeps only the fields declared for its type (:mod:`auditor.fields`), with
secret-looking environment values redacted, and knows its parent by id prefix; an Activity
Log event keeps its operation, status, time and resource. Recognising what a record is, and
indexing and de-duplicating what was read, is :mod:`auditor.inventory`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from auditor import arm
from auditor.fields import AUDITED, keep_declared, parent_type
from auditor.model import ActivityEvent, Resource, SourceRef
from auditor.records import UnrecognisedRecord, check_event
from auditor.secrets import as_is, scrub_record, scrub_text
from auditor.timeutil import parse_timestamp

ENV_PATHS: Mapping[str, tuple[str, ...]] = {d.type: d.environment for d in AUDITED if d.environment}
"""Environment-variable maps, per type, as dotted paths under the ARM object."""


def get_path(data: Mapping[str, Any], path: Iterable[str]) -> Any:
    """Follow keys through nested mappings; None when any step is missing."""
    current: Any = data
    for step in path:
        if not isinstance(current, Mapping) or step not in current:
            return None
        current = current[step]
    return current


def resource_of(
    record: Mapping[str, Any],
    arm_type: str,
    source: SourceRef,
    share: Callable[[str], str] = as_is,
) -> Resource:
    """The resource an ARM object of a known audited type becomes; its strings go through
    ``share`` (see :func:`~auditor.secrets.scrub_record`)."""
    resource_id = share(scrub_text(str(record["id"])))
    key = share(arm.normalise_id(resource_id))
    # An allow-list, not a deny-list: only the fields declared for the type are kept, so a
    # credential field nobody thought of never enters the inventory (or a saved snapshot).
    data = keep_declared(record, arm_type)
    data = scrub_record(data, ENV_PATHS.get(arm_type), share)
    subscription_id = arm.subscription_of(resource_id)
    if arm_type == arm.ROLE_ASSIGNMENT:
        scope = get_path(data, ("properties", "scope"))
        if isinstance(scope, str) and arm.management_group_of(scope) is None:
            subscription_id = arm.subscription_of(scope) or subscription_id
    name = data.get("name")
    group = arm.resource_group_of(resource_id)
    location = arm.normalise_region(record.get("location"))
    parent_key = _parent_key(key, arm_type)
    return Resource(
        id=resource_id,
        key=key,
        type=arm_type,
        name=share(str(name) if isinstance(name, str) and name else arm.last_segment(resource_id)),
        subscription_id=share(subscription_id) if subscription_id else subscription_id,
        resource_group=share(group) if group else group,
        location=share(location) if location else location,
        data=data,
        source=source,
        parent_key=share(parent_key) if parent_key else parent_key,
    )


def event_of(record: Mapping[str, Any]) -> ActivityEvent:
    """The Activity Log event a record is; :class:`UnrecognisedRecord` when it is malformed."""
    check_event(record)
    operation = str(get_path(record, ("operationName", "value")))
    timestamp = parse_timestamp(record.get("eventTimestamp"))
    if timestamp is None:
        raise UnrecognisedRecord(
            "eventTimestamp: not an ISO 8601 time between the years 1 and 9999 (UTC)"
        )
    status = get_path(record, ("status", "value"))
    resource_id = record.get("resourceId")
    if not isinstance(resource_id, str):
        resource_id = ""
    sub = record.get("subscriptionId")
    subscription_id = (
        str(sub).lower() if isinstance(sub, str) and sub else arm.subscription_of(resource_id)
    )
    return ActivityEvent(
        operation=operation,
        status=status if isinstance(status, str) else "",
        timestamp=timestamp,
        resource_key=arm.normalise_id(resource_id) if resource_id else "",
        subscription_id=subscription_id,
    )


def _parent_key(key: str, arm_type: str) -> str | None:
    """Children link to parents by id prefix: drop the last ``/type/name`` pair."""
    if parent_type(arm_type) is None:
        return None
    parts = key.split("/")
    return "/".join(parts[:-2]) if len(parts) > 2 else None
