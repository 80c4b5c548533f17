"""Kept fields of Azure AI Services (Cognitive Services) accounts.

Source: ``specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/
2025-06-01/cognitiveservices.json`` (``Account``, ``AccountProperties``); enums cross-checked
against ``azure-mgmt-cognitiveservices`` 14.1.0 (``models/_cognitive_services_management_client_
enums.py``), see ``docs/azure-facts.md`` section 2. Never kept: ``apiProperties`` (it holds
``qnaAzureSearchEndpointKey``), ``userOwnedStorage`` connection details, ``migrationToken``.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import (
    CS_IDENTITY,
    ENVELOPE,
    TRACKED,
    private_endpoint_connections,
)
from auditor.fields.spec import (
    ARM_ID,
    BOOLEAN,
    DATETIME,
    STRING,
    AuditedType,
    array_of,
    enum_of,
    merge,
    obj,
    one_or_many,
)

AI_ACCOUNT = AuditedType(
    arm.AI_ACCOUNT,
    merge(
        ENVELOPE,
        TRACKED,
        CS_IDENTITY,
        private_endpoint_connections("Pending", "Approved", "Rejected"),
        obj(
            {
                "etag": STRING,
                "properties.provisioningState": STRING,
                "properties.endpoint": STRING,
                "properties.customSubDomainName": STRING,
                "properties.dateCreated": DATETIME,
                "properties.disableLocalAuth": BOOLEAN,
                "properties.publicNetworkAccess": enum_of("Enabled", "Disabled"),
                "properties.networkAcls.defaultAction": enum_of("Allow", "Deny"),
                "properties.networkAcls.bypass": enum_of("None", "AzureServices"),
                "properties.networkAcls.ipRules": array_of(obj({"value": STRING})),
                "properties.networkAcls.virtualNetworkRules": array_of(
                    obj(
                        {"id": ARM_ID, "state": STRING, "ignoreMissingVnetServiceEndpoint": BOOLEAN}
                    )
                ),
                "properties.encryption.keySource": enum_of(
                    "Microsoft.CognitiveServices", "Microsoft.KeyVault"
                ),
                "properties.encryption.keyVaultProperties.keyName": STRING,
                "properties.encryption.keyVaultProperties.keyVersion": STRING,
                "properties.encryption.keyVaultProperties.keyVaultUri": STRING,
                "properties.encryption.keyVaultProperties.identityClientId": STRING,
                "properties.restrictOutboundNetworkAccess": BOOLEAN,
                "properties.allowedFqdnList": array_of(STRING),
                "properties.dynamicThrottlingEnabled": BOOLEAN,
                "properties.allowProjectManagement": BOOLEAN,
                "properties.defaultProject": STRING,
                "properties.associatedProjects": array_of(STRING),
                "properties.storedCompletionsDisabled": BOOLEAN,
                # An object in 2025-06-01, an array from 2025-09-01: kept as an array.
                "properties.networkInjections": one_or_many(
                    obj(
                        {
                            "scenario": enum_of("none", "agent"),
                            "subnetArmId": ARM_ID,
                            "useMicrosoftManagedNetwork": BOOLEAN,
                        }
                    )
                ),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="ai-accounts.json",
)
