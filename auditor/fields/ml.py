"""Kept fields of the Azure Machine Learning types.

Source: ``specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
stable/2025-12-01/machineLearningServices.json`` (workspaces, computes, online endpoints and
deployments, connections) and ``stable/2021-07-01/services.json`` (v1 web services); property
lists and enums are in ``docs/azure-facts.md`` section 1. What is not here is never kept:
connection ``credentials`` and the older ``value``, compute ``userAccountCredentials``, AKS
``sslConfiguration``, v1 ``sslKey``/``sslCertificate``, workspace keys, SSH public keys.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import (
    CONNECTION,
    ENVELOPE,
    ML_IDENTITY,
    TRACKED,
    private_endpoint_connections,
)
from auditor.fields.guard import OUTBOUND_RULE_KEPT
from auditor.fields.spec import (
    ARM_ID,
    BOOLEAN,
    DATETIME,
    DURATION,
    INTEGER,
    STRING,
    TEXT,
    AuditedType,
    enum_of,
    map_of,
    merge,
    obj,
)

ENABLED_DISABLED = enum_of("Enabled", "Disabled")

_BASE = merge(ENVELOPE, TRACKED, ML_IDENTITY)
_ML_PEC = private_endpoint_connections("Approved", "Pending", "Rejected", "Disconnected", "Timeout")

WORKSPACE = AuditedType(
    arm.WORKSPACE,
    merge(
        _BASE,
        _ML_PEC,
        obj(
            {
                "properties.friendlyName": TEXT,
                "properties.description": TEXT,
                "properties.provisioningState": STRING,
                "properties.workspaceId": STRING,
                "properties.tenantId": STRING,
                "properties.storageAccount": ARM_ID,
                "properties.keyVault": ARM_ID,
                "properties.applicationInsights": ARM_ID,
                "properties.containerRegistry": ARM_ID,
                "properties.hubResourceId": ARM_ID,
                "properties.primaryUserAssignedIdentity": ARM_ID,
                "properties.publicNetworkAccess": ENABLED_DISABLED,
                "properties.allowPublicAccessWhenBehindVnet": BOOLEAN,
                "properties.hbiWorkspace": BOOLEAN,
                "properties.v1LegacyMode": BOOLEAN,
                "properties.enableDataIsolation": BOOLEAN,
                "properties.systemDatastoresAuthMode": enum_of(
                    "AccessKey", "Identity", "UserDelegationSAS"
                ),
                "properties.managedNetwork.isolationMode": enum_of(
                    "Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"
                ),
                "properties.managedNetwork.status.status": enum_of("Inactive", "Active"),
                "properties.managedNetwork.firewallSku": enum_of("Standard", "Basic"),
                "properties.managedNetwork.outboundRules": map_of(OUTBOUND_RULE_KEPT),
                "properties.encryption.status": ENABLED_DISABLED,
                "properties.encryption.keyVaultProperties.keyVaultArmId": ARM_ID,
                "properties.encryption.keyVaultProperties.keyIdentifier": STRING,
                "properties.encryption.keyVaultProperties.identityClientId": STRING,
                "properties.encryption.identity.userAssignedIdentity": ARM_ID,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="workspaces.json",
)

COMPUTE_TYPES = (
    "AKS",
    "Kubernetes",
    "AmlCompute",
    "ComputeInstance",
    "DataFactory",
    "VirtualMachine",
    "HDInsight",
    "Databricks",
    "DataLakeAnalytics",
    "SynapseSpark",
)
"""``ComputeType``: the discriminator of ``properties``."""

COMPUTE = AuditedType(
    arm.COMPUTE,
    merge(
        _BASE,
        obj(
            {
                "properties.computeType": enum_of(*COMPUTE_TYPES),
                "properties.computeLocation": STRING,
                "properties.provisioningState": STRING,
                "properties.description": TEXT,
                "properties.createdOn": DATETIME,
                "properties.modifiedOn": DATETIME,
                "properties.resourceId": ARM_ID,
                "properties.isAttachedCompute": BOOLEAN,
                "properties.disableLocalAuth": BOOLEAN,
                # The type-specific block (AmlCompute, ComputeInstance, ...): the union of the
                # members the rules read; credentials and SSL keys are not among them.
                "properties.properties.vmSize": STRING,
                "properties.properties.osType": enum_of("Linux", "Windows"),
                "properties.properties.vmPriority": enum_of("Dedicated", "LowPriority"),
                "properties.properties.subnet.id": ARM_ID,
                "properties.properties.enableNodePublicIp": BOOLEAN,
                "properties.properties.remoteLoginPortPublicAccess": enum_of(
                    "Enabled", "Disabled", "NotSpecified"
                ),
                "properties.properties.isolatedNetwork": BOOLEAN,
                "properties.properties.scaleSettings.minNodeCount": INTEGER,
                "properties.properties.scaleSettings.maxNodeCount": INTEGER,
                "properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown": DURATION,
                "properties.properties.applicationSharingPolicy": enum_of("Personal", "Shared"),
                "properties.properties.sshSettings.sshPublicAccess": ENABLED_DISABLED,
                "properties.properties.osImageMetadata.isLatestOsImageVersion": BOOLEAN,
                "properties.properties.osImageMetadata.currentImageVersion": STRING,
                "properties.properties.osImageMetadata.latestImageVersion": STRING,
                "properties.properties.idleTimeBeforeShutdown": DURATION,
                "properties.properties.enableSSO": BOOLEAN,
                "properties.properties.state": STRING,
                "properties.properties.clusterFqdn": STRING,
                "properties.properties.agentCount": INTEGER,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="computes.json",
)

ONLINE_ENDPOINT = AuditedType(
    arm.ONLINE_ENDPOINT,
    merge(
        _BASE,
        obj(
            {
                "properties.authMode": enum_of("AMLToken", "Key", "AADToken"),
                "properties.description": TEXT,
                "properties.compute": STRING,
                "properties.publicNetworkAccess": ENABLED_DISABLED,
                "properties.provisioningState": STRING,
                "properties.scoringUri": STRING,
                "properties.traffic": map_of(INTEGER),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="online-endpoints.json",
)

ONLINE_DEPLOYMENT = AuditedType(
    arm.ONLINE_DEPLOYMENT,
    merge(
        _BASE,
        obj(
            {
                "properties.endpointComputeType": enum_of(
                    "Managed", "Kubernetes", "AzureMLCompute"
                ),
                "properties.description": TEXT,
                "properties.egressPublicNetworkAccess": ENABLED_DISABLED,
                "properties.environmentVariables": map_of(TEXT),
                "properties.environmentId": STRING,
                "properties.model": STRING,
                "properties.instanceType": STRING,
                "properties.appInsightsEnabled": BOOLEAN,
                "properties.provisioningState": STRING,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="deployments.json",
    environment=("properties", "environmentVariables"),
)

WEB_SERVICE = AuditedType(
    arm.WEB_SERVICE,
    merge(
        _BASE,
        obj(
            {
                "properties.computeType": enum_of("ACI", "AKS"),
                "properties.description": TEXT,
                "properties.state": enum_of(
                    "Transitioning", "Healthy", "Unhealthy", "Failed", "Unschedulable"
                ),
                "properties.deploymentType": enum_of(
                    "GRPCRealtimeEndpoint", "HttpRealtimeEndpoint", "Batch"
                ),
                "properties.authEnabled": BOOLEAN,
                "properties.aadAuthEnabled": BOOLEAN,
                # Not in the ARM spec: the azureml-core SDK's name, which SDK-made snapshots carry.
                "properties.tokenAuthEnabled": BOOLEAN,
                "properties.sslEnabled": BOOLEAN,
                "properties.appInsightsEnabled": BOOLEAN,
                "properties.scoringUri": STRING,
                "properties.publicIp": STRING,
                "properties.publicFqdn": STRING,
                "properties.computeName": STRING,
                "properties.location": STRING,
                "properties.environmentImageRequest.environment.name": STRING,
                "properties.environmentImageRequest.environment.version": STRING,
                "properties.environmentImageRequest.environment.environmentVariables": map_of(TEXT),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="services.json",
    environment=(
        "properties",
        "environmentImageRequest",
        "environment",
        "environmentVariables",
    ),
)

WORKSPACE_CONNECTION = AuditedType(
    arm.WORKSPACE_CONNECTION,
    merge(ENVELOPE, CONNECTION),
    ai_ml=True,
    snapshot_file="connections.json",
)

SERVERLESS_ENDPOINT = AuditedType(
    arm.SERVERLESS_ENDPOINT,
    merge(
        _BASE,
        obj(
            {
                # mfe.json 2025-12-01 (`ServerlessInferenceEndpointAuthMode`) has only `Key`;
                # `AAD` and `KeyAndAAD` are in azure-ai-ml 1.35.2's vendored 2025-12-01 models
                # and in preview descriptions, so templates and newer tenants carry them.
                "properties.authMode": enum_of("Key", "AAD", "KeyAndAAD"),
                "properties.contentSafety.contentSafetyStatus": ENABLED_DISABLED,
                # Newer previews only (2026-03-15-preview example: `Blocking`); no enum known.
                "properties.contentSafety.contentSafetyLevel": STRING,
                "properties.modelSettings.modelId": STRING,
                "properties.endpointState": STRING,
                "properties.provisioningState": STRING,
                "properties.marketplaceSubscriptionId": STRING,
                "properties.inferenceEndpoint.uri": STRING,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="serverless-endpoints.json",
)
"""Model-as-a-service endpoints of a workspace (``ServerlessEndpointTrackedResource``)."""
