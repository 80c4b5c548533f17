"""Kept fields of role assignments and role definitions (Microsoft.Authorization).

Source: ``specification/authorization/resource-manager/Microsoft.Authorization/stable/
2022-04-01/authorization-RoleAssignmentsCalls.json`` and ``authorization-RoleDefinitionsCalls.
json``; see ``docs/azure-facts.md`` section 3.
"""

from __future__ import annotations

from auditor.fields.common import ENVELOPE
from auditor.fields.spec import (
    ARM_ID,
    DATETIME,
    STRING,
    TEXT,
    Field,
    array_of,
    enum_of,
    merge,
    obj,
)

ROLE_ASSIGNMENT: Field = merge(
    ENVELOPE,
    obj(
        {
            "properties.scope": STRING,
            "properties.roleDefinitionId": ARM_ID,
            "properties.principalId": STRING,
            "properties.principalType": enum_of(
                "User", "Group", "ServicePrincipal", "ForeignGroup", "Device"
            ),
            "properties.description": TEXT,
            "properties.condition": TEXT,
            "properties.conditionVersion": STRING,
            "properties.createdOn": DATETIME,
            "properties.updatedOn": DATETIME,
            "properties.createdBy": STRING,
            "properties.updatedBy": STRING,
            "properties.delegatedManagedIdentityResourceId": ARM_ID,
        }
    ),
)

_ACTIONS = array_of(STRING)

ROLE_DEFINITION: Field = merge(
    ENVELOPE,
    obj(
        {
            "properties.roleName": STRING,
            "properties.description": TEXT,
            # The role's kind (the SDK's `role_type`): an unknown kind is not a custom role.
            "properties.type": enum_of("BuiltInRole", "CustomRole"),
            "properties.assignableScopes": array_of(STRING),
            "properties.permissions": array_of(
                obj(
                    {
                        "actions": _ACTIONS,
                        "notActions": _ACTIONS,
                        "dataActions": _ACTIONS,
                        "notDataActions": _ACTIONS,
                    }
                )
            ),
            "properties.createdOn": DATETIME,
            "properties.updatedOn": DATETIME,
            "properties.createdBy": STRING,
            "properties.updatedBy": STRING,
        }
    ),
)

SUBSCRIPTION: Field = obj({"subscriptionId": STRING, "displayName": STRING})
"""The synthetic record subscription rules judge (not an inventory type)."""
