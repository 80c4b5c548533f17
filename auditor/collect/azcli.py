"""Azure CLI exports that are not ARM JSON, turned into ARM records or refused by name.

Users export evidence with ``az``: most commands print ARM JSON, but ``az role assignment list``
and ``az role definition list`` flatten ``properties`` onto the top level, and ``az ml workspace
list`` prints azure-ai-ml's own object shape. Read flat, those would be judged as resources with
no properties: "0 principals hold Owner" for a file holding two Owners. The role exports are
rebuilt in ARM's shape (the properties are named in ``specification/authorization/
resource-manager/Microsoft.Authorization/stable/2022-04-01/``: ``authorization-RoleAssignmentsCalls
.json`` and ``authorization-RoleDefinitionsCalls.json``); the azure-ai-ml shape cannot be mapped
faithfully, so it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.fields import AI_ML_TYPES, canonical_type
from auditor.inventory import UnrecognisedRecord
from auditor.unresolved import unresolved

_ASSIGNMENT_PROPERTIES = (
    "principalId",
    "principalType",
    "roleDefinitionId",
    "scope",
    "condition",
    "conditionVersion",
    "description",
    "createdOn",
    "updatedOn",
    "createdBy",
    "updatedBy",
    "delegatedManagedIdentityResourceId",
)
_DEFINITION_PROPERTIES = {
    "roleName": "roleName",
    "roleType": "type",  # the CLI prints ARM's properties.type as roleType
    "description": "description",
    "permissions": "permissions",
    "assignableScopes": "assignableScopes",
    "createdOn": "createdOn",
    "updatedOn": "updatedOn",
    "createdBy": "createdBy",
    "updatedBy": "updatedBy",
}
# Keys azure-ai-ml's Workspace object has and an ARM workspace never has at its top level.
_AZURE_AI_ML_KEYS = frozenset(
    {"resource_group", "public_network_access", "mlflow_tracking_uri", "discovery_url"}
)

ARM_EXPORT_HINT = (
    "export ARM JSON instead: `az resource show --ids <id>` (or `az rest --method get --url "
    "<id>?api-version=...`), or run `auditor collect`"
)


NO_PROPERTIES = (
    "the export holds no properties (`az resource list` prints them as null): export with "
    "`az resource show --ids <id>`, or run `auditor collect`"
)


PROPERTIES_MARKER = unresolved("properties", NO_PROPERTIES)
"""What such an export's ``properties`` become: every rule reading them is ``unknown``."""


def as_arm(record: object) -> object:
    """The ARM form of a record an ``az`` command printed; other records are returned as given.

    An audited AI/ML resource whose ``properties`` is null (``az resource list``) gets an
    unresolved marker instead, so every rule that reads them is ``unknown``, not a confident
    failure of a resource that was never really read."""
    if not isinstance(record, dict):
        return record
    if "properties" in record:
        if record["properties"] is None and _ai_ml_type(record):
            return {**record, "properties": dict(PROPERTIES_MARKER)}
        return record
    record_type = record.get("type")
    kind = canonical_type(record_type) if isinstance(record_type, str) else None
    if kind == arm.ROLE_ASSIGNMENT and ("roleDefinitionId" in record or "principalId" in record):
        return _rebuilt(record, {name: name for name in _ASSIGNMENT_PROPERTIES})
    if kind == arm.ROLE_DEFINITION and ("roleName" in record or "permissions" in record):
        return _rebuilt(record, _DEFINITION_PROPERTIES)
    if _AZURE_AI_ML_KEYS & set(record):
        raise UnrecognisedRecord(
            "this is `az ml workspace list`/`show` output (azure-ai-ml's object shape, not ARM "
            f"JSON): {ARM_EXPORT_HINT}"
        )
    return record


def _ai_ml_type(record: Mapping[str, Any]) -> bool:
    record_type = record.get("type")
    kind = canonical_type(record_type) if isinstance(record_type, str) else None
    return kind in AI_ML_TYPES


def _rebuilt(record: Mapping[str, Any], properties: Mapping[str, str]) -> dict[str, Any]:
    """Top-level keys named in ``properties`` moved under ``properties`` (renamed as mapped)."""
    rebuilt = {k: v for k, v in record.items() if k not in properties}
    rebuilt["properties"] = {
        properties[k]: v for k, v in record.items() if k in properties and v is not None
    }
    return rebuilt
