"""Kept fields of role assignments and role definitions (Microsoft.Authorization).

Source: ``specification/authorization/resource-manager/Microsoft.Authorization/stable/
2022-04-01/authorization-RoleAssignmentsCalls.json`` and ``authorization-RoleDefinitionsCalls.
json``; see ``docs/azure-facts.md`` section 3.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import ENVELOPE
from auditor.fields.spec import (
    ARM_ID,
    DATETIME,
    STRING,
    TEXT,
    AuditedType,
    Field,
    array_of,
    enum_of,
    merge,
    obj,
)

ROLE_ASSIGNMENT = AuditedType(
    arm.ROLE_ASSIGNMENT,
    merge(
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
    ),
    ai_ml=False,
    snapshot_file="role-assignments.json",
)

_ACTIONS = array_of(STRING)

ROLE_DEFINITION = AuditedType(
    arm.ROLE_DEFINITION,
    merge(
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
    ),
    ai_ml=False,
    snapshot_file="role-definitions.json",
)

SUBSCRIPTION: Field = obj({"subscriptionId": STRING, "displayName": STRING})
"""The synthetic record subscription rules judge (not an inventory type)."""
