"""The ARM envelope every audited resource shares: identity and metadata.

Sources (see ``docs/azure-facts.md``): ``specification/common-types/resource-management/v5/
types.json`` (``systemData``, ``TrackedResource``) and ``.../v5/managedidentity.json``
(``ManagedServiceIdentity``), as referenced by the ML and Cognitive Services specs.
"""

from __future__ import annotations

from auditor.fields.spec import (
    ARM_ID,
    BOOLEAN,
    DATETIME,
    INTEGER,
    STRING,
    TEXT,
    Field,
    array_of,
    enum_of,
    map_of,
    obj,
)

_CREATED_BY_TYPE = enum_of("User", "Application", "ManagedIdentity", "Key")

ENVELOPE: Field = obj(
    {
        "id": ARM_ID,
        "name": STRING,
        "type": STRING,
        "location": STRING,
        "tags": map_of(TEXT),
        "systemData.createdBy": STRING,
        "systemData.createdByType": _CREATED_BY_TYPE,
        "systemData.createdAt": DATETIME,
        "systemData.lastModifiedBy": STRING,
        "systemData.lastModifiedByType": _CREATED_BY_TYPE,
        "systemData.lastModifiedAt": DATETIME,
    }
)
"""id, name, type, location, tags and systemData: every audited type keeps these."""

TRACKED: Field = obj(
    {
        "kind": STRING,
        "sku.name": STRING,
        "sku.tier": STRING,
        "sku.size": STRING,
        "sku.family": STRING,
        "sku.capacity": INTEGER,
    }
)
"""``kind`` (a free string in the specs) and ``sku`` of tracked resources."""

_USER_ASSIGNED = map_of(obj({"principalId": STRING, "clientId": STRING}))


def identity(*types: str) -> Field:
    """An ``identity`` block whose ``type`` enum is ``types`` (ML and CS spell one differently)."""
    return obj(
        {
            "identity.type": enum_of(*types),
            "identity.principalId": STRING,
            "identity.tenantId": STRING,
            "identity.userAssignedIdentities": _USER_ASSIGNED,
        }
    )


ML_IDENTITY = identity("None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned")
"""``ManagedServiceIdentityType`` (common-types managedidentity.json): no space after the comma."""

CS_IDENTITY = identity("None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned")
"""Cognitive Services ``ResourceIdentityType``: with a space after the comma."""


def private_endpoint_connections(*statuses: str) -> Field:
    """``properties.privateEndpointConnections``: the approval ``status`` enum is ``statuses``."""
    return obj(
        {
            "properties.privateEndpointConnections": array_of(
                obj(
                    {
                        "id": ARM_ID,
                        "name": STRING,
                        "properties.privateEndpoint.id": ARM_ID,
                        "properties.provisioningState": STRING,
                        "properties.groupIds": array_of(STRING),
                        "properties.privateLinkServiceConnectionState.status": enum_of(*statuses),
                        "properties.privateLinkServiceConnectionState.description": TEXT,
                    }
                )
            )
        }
    )


CONNECTION_AUTH_TYPES = (
    "PAT",
    "ManagedIdentity",
    "UsernamePassword",
    "None",
    "SAS",
    "AccountKey",
    "ServicePrincipal",
    "AccessKey",
    "ApiKey",
    "CustomKeys",
    "OAuth2",
    "AAD",
    "DelegatedSAS",
    "ProjectManagedIdentity",
    "AccountManagedIdentity",
    "UserEntraToken",
    "AgentUserImpersonation",
    "AgenticIdentityToken",
    "AgenticUser",
)
"""``ConnectionAuthType``, the discriminator of a connection's properties (2025-12-01)."""

CONNECTION: Field = obj(
    {
        # Only the kind of credential, never the credential: `credentials` and the older `value`
        # are not declared, so they are dropped whatever they hold. `metadata` is free user text
        # (it can carry a key too) and is not kept either.
        "properties.authType": enum_of(*CONNECTION_AUTH_TYPES),
        # `ConnectionCategory` is an extensible enum of 100+ values that grows every version:
        # kept as a string, so a new category is not taken for an error.
        "properties.category": STRING,
        "properties.target": STRING,
        "properties.isSharedToAll": BOOLEAN,
        "properties.sharedUserList": array_of(STRING),
        "properties.expiryTime": DATETIME,
        "properties.group": STRING,
        "properties.useWorkspaceManagedIdentity": BOOLEAN,
        "properties.createdByWorkspaceArmId": ARM_ID,
        "properties.peRequirement": STRING,
        "properties.peStatus": STRING,
    }
)
"""A connection's properties (``ConnectionPropertiesV2``): the same in ML workspaces
(workspaceRP.json 2025-12-01) and in AI Services accounts and projects (cognitiveservices.json
2025-06-01), where the spec defines the same discriminated union."""
