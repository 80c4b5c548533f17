"""Kept fields of diagnostic settings (an extension resource of the account, workspace, online
endpoint or registry it sends logs from) and of Azure Machine Learning registries.

Sources: ``specification/monitor/resource-manager/Microsoft.Insights/preview/2021-05-01-preview/
diagnosticsSettings_API.json`` (``DiagnosticSettings``, ``LogSettings``) and
``specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
stable/2025-12-01/registries.json`` (``Registry``, ``RegistryPrivateEndpointConnection``); see
``docs/azure-facts.md`` section "Diagnostic settings and ML registries". A diagnostic setting
keeps its destinations as ARM ids only: there is no key in the resource, and the Event Hubs
authorization rule is named by id, never read.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import ENVELOPE, ML_IDENTITY, TRACKED
from auditor.fields.spec import (
    ARM_ID,
    BOOLEAN,
    INTEGER,
    STRING,
    TEXT,
    AuditedType,
    array_of,
    enum_of,
    merge,
    obj,
)

DIAGNOSTIC_SETTING = AuditedType(
    arm.DIAGNOSTIC_SETTING,
    merge(
        ENVELOPE,
        obj(
            {
                "properties.workspaceId": ARM_ID,
                "properties.storageAccountId": ARM_ID,
                "properties.eventHubAuthorizationRuleId": ARM_ID,
                "properties.eventHubName": STRING,
                "properties.marketplacePartnerId": ARM_ID,
                # "for backwards compatibility" (the spec): still a destination.
                "properties.serviceBusRuleId": ARM_ID,
                "properties.logAnalyticsDestinationType": STRING,
                "properties.logs": array_of(
                    obj(
                        {
                            # Not enums: each resource type has its own categories and groups.
                            "category": STRING,
                            "categoryGroup": STRING,
                            "enabled": BOOLEAN,
                            "retentionPolicy.enabled": BOOLEAN,
                            "retentionPolicy.days": INTEGER,
                        }
                    )
                ),
            }
        ),
    ),
    ai_ml=False,
    snapshot_file="diagnostic-settings.json",
)

_PE_STATUS = enum_of("Approved", "Pending", "Rejected", "Disconnected", "Timeout")
"""``EndpointServiceConnectionStatus`` of registries.json (modelAsString: Approved, Pending,
Rejected, Disconnected); azure-ai-ml 1.35.2's 2025-12-01 models add Timeout."""

ML_REGISTRY = AuditedType(
    arm.ML_REGISTRY,
    merge(
        ENVELOPE,
        TRACKED,
        ML_IDENTITY,
        obj(
            {
                # A plain string in the spec ("Possible values: Enabled or Disabled").
                "properties.publicNetworkAccess": STRING,
                "properties.discoveryUrl": STRING,
                "properties.mlFlowRegistryUri": STRING,
                "properties.intellectualPropertyPublisher": STRING,
                "properties.managedResourceGroup.resourceId": ARM_ID,
                "properties.registryPrivateEndpointConnections": array_of(
                    obj(
                        {
                            "id": STRING,
                            "location": STRING,
                            "properties.groupIds": array_of(STRING),
                            "properties.privateEndpoint.id": ARM_ID,
                            "properties.privateEndpoint.subnetArmId": ARM_ID,
                            "properties.provisioningState": STRING,
                            # Not the usual privateLinkServiceConnectionState key.
                            "properties.registryPrivateLinkServiceConnectionState.status": (
                                _PE_STATUS
                            ),
                            "properties.registryPrivateLinkServiceConnectionState.description": (
                                TEXT
                            ),
                        }
                    )
                ),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="ml-registries.json",
)
