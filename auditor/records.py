"""The shapes of the records the inventory accepts, checked before anything reads them.

A record of the wrong shape (``properties`` a list, a manifest's ``errors`` a number, an
event's ``eventTimestamp`` past the year 9999 once moved to UTC) is an
:class:`UnrecognisedRecord` naming the element path inside the record; the snapshot reader
adds the file and the record's place in it. Checked here: what makes a resource a record
(``id``, ``type``, an object ``properties``), the Activity Log event fields the
rules read, and the manifest this tool writes, in full. Every other field is typed per
resource type by :mod:`auditor.fields`, whose reader makes a wrong one ``unknown``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.model import DATA_KINDS, CollectionError

MANIFEST_KIND = "auditor-snapshot-manifest"
"""The ``kind`` of the manifest object ``auditor collect`` writes beside a snapshot."""
MANIFEST_VERSION = 1

_SURROGATE = re.compile("[\ud800-\udfff]")


class UnrecognisedRecord(ValueError):
    """A JSON object that is none of the shapes the inventory reads."""


def json_kind(value: object) -> str:
    """The JSON name of a value's type, for messages (never the value: it may be a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _refuse(path: str, expected: str, value: object) -> UnrecognisedRecord:
    return UnrecognisedRecord(f"{path}: expected {expected}, found {json_kind(value)}")


def _string(value: object, path: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _refuse(path, "a string", value)
    if not value.isascii() and _SURROGATE.search(value):
        raise UnrecognisedRecord(f"{path}: a lone UTF-16 surrogate in a string")
    return value


def _strings(value: object, path: str) -> list[str]:
    if not isinstance(value, list):
        raise _refuse(path, "an array of strings", value)
    return [str(_string(item, f"{path}[{index}]")) for index, item in enumerate(value)]


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _refuse(path, "an object", value)
    return value


def _only(record: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        prefix = f"{path}: " if path else ""
        raise UnrecognisedRecord(f"{prefix}unknown field {unknown[0]!r}")


def check_resource(record: Mapping[str, Any]) -> None:
    """Refuse an audited resource that cannot be indexed or read as one.

    Only what makes it a record: ``id`` and ``type`` strings (its identity) and ``properties``
    an object (every rule reads under it). Any other field of the wrong type is the field
    reader's to judge: ``unknown`` naming the field, never ``pass`` (:mod:`auditor.fields`);
    a ``name`` that is no string gives way to the id's last segment."""
    _string(record.get("id"), "id")
    _string(record.get("type"), "type", optional=True)
    if record.get("properties") is not None:
        _object(record["properties"], "properties")


def check_subscription(record: Mapping[str, Any]) -> None:
    """Refuse a subscription record whose name fields have the wrong JSON types."""
    _string(record.get("subscriptionId"), "subscriptionId")
    _string(record.get("displayName"), "displayName", optional=True)


def check_event(record: Mapping[str, Any]) -> None:
    """Refuse an Activity Log event whose fields the rules read have the wrong JSON types."""
    operation = _object(record.get("operationName"), "operationName")
    _string(operation.get("value"), "operationName.value")
    if record.get("status") is not None:
        _string(_object(record["status"], "status").get("value"), "status.value", optional=True)
    for name in ("resourceId", "subscriptionId", "eventDataId"):
        _string(record.get(name), name, optional=True)


@dataclass(frozen=True)
class Manifest:
    """A snapshot manifest, every field checked."""

    coverage: tuple[tuple[str, tuple[str, ...]], ...]
    """(subscription id, data kinds collected for it), in file order."""
    management_groups: tuple[tuple[str, tuple[str, ...]], ...]
    """(management group, subscriptions whose assignment lists showed it)."""
    errors: tuple[CollectionError, ...]


_COVERAGE_FIELDS = ("subscription_id", "collected")
_ERROR_FIELDS = tuple(f.name for f in dataclasses.fields(CollectionError))
"""An error entry holds what :meth:`CollectionError.as_record` writes, and nothing else."""


def _kinds(value: object, path: str) -> tuple[str, ...]:
    kinds = _strings(value, path)
    for index, kind in enumerate(kinds):
        if kind not in DATA_KINDS:
            raise UnrecognisedRecord(
                f"{path}[{index}]: {kind!r} is not a data kind ({', '.join(DATA_KINDS)})"
            )
    return tuple(kinds)


def _error(entry: object, path: str) -> CollectionError:
    fields = _object(entry, path)
    _only(fields, _ERROR_FIELDS, path)
    status = fields.get("status_code")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        raise _refuse(f"{path}.status_code", "a whole number or null", status)
    return CollectionError(
        scope=_string(fields.get("scope", ""), f"{path}.scope") or "",
        operation=_string(fields.get("operation", ""), f"{path}.operation") or "",
        message=_string(fields.get("message", ""), f"{path}.message") or "",
        status_code=status,
        missing_permission=_string(
            fields.get("missing_permission"), f"{path}.missing_permission", optional=True
        ),
        data_kinds=_kinds(fields.get("data_kinds", []), f"{path}.data_kinds"),
    )


def read_manifest(record: Mapping[str, Any]) -> Manifest:
    """The manifest in ``record``; any field of the wrong type or value is refused.

    Top-level fields this version does not read are ignored (a later writer may add some);
    inside ``coverage`` and ``errors`` entries an unknown field is refused, as a typo there
    would silently drop what the entry declares."""
    version = record.get("version", MANIFEST_VERSION)
    if isinstance(version, bool) or version != MANIFEST_VERSION:
        raise UnrecognisedRecord(
            f"version: this auditor reads manifest version {MANIFEST_VERSION}, "
            f"found {version if isinstance(version, int) else json_kind(version)}"
        )
    _string(record.get("collected_at"), "collected_at", optional=True)
    _string(record.get("tenant"), "tenant", optional=True)
    if record.get("tool") is not None:
        _object(record["tool"], "tool")
    coverage = []
    entries = record.get("coverage") or []
    if not isinstance(entries, list):
        raise _refuse("coverage", "an array", entries)
    for index, entry in enumerate(entries):
        path = f"coverage[{index}]"
        fields = _object(entry, path)
        _only(fields, _COVERAGE_FIELDS, path)
        subscription = _string(fields.get("subscription_id"), f"{path}.subscription_id") or ""
        if not subscription.strip():
            raise UnrecognisedRecord(f"{path}.subscription_id: empty")
        coverage.append((subscription, _kinds(fields.get("collected", []), f"{path}.collected")))
    groups = record.get("management_groups") or {}
    management_groups = tuple(
        (str(group), tuple(_strings(subs, f"management_groups.{group}")))
        for group, subs in _object(groups, "management_groups").items()
    )
    errors = record.get("errors") or []
    if not isinstance(errors, list):
        raise _refuse("errors", "an array", errors)
    return Manifest(
        coverage=tuple(coverage),
        management_groups=management_groups,
        errors=tuple(_error(entry, f"errors[{i}]") for i, entry in enumerate(errors)),
    )
