"""Regenerate the bundled demo estate (auditor/demo/estate) from this description.

The estate is judged as of 2026-11-01 (auditor.demo.DEMO_AS_OF). Every rule must both pass
and fail somewhere in it; tests/test_demo.py checks that. Run: python scripts/make_demo.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from demo_dependencies import add_dependencies
from demo_foundry import FOUNDRY_KINDS, add_foundry
from demo_guard import add_guard
from demo_logging import add_logging

OUT = Path(__file__).resolve().parent.parent / "auditor" / "demo" / "estate"

S1 = "11111111-1111-4111-8111-111111111111"  # contoso-ml-prod
S2 = "22222222-2222-4222-8222-222222222222"  # contoso-ai-dev
S3 = "33333333-3333-4333-8333-333333333333"  # contoso-sandbox
MG = "contoso-root"
MLS = "Microsoft.MachineLearningServices"
CS = "Microsoft.CognitiveServices"
AUTH = "Microsoft.Authorization"
AKS = "Microsoft.ContainerService/managedClusters"
STORAGE = "Microsoft.Storage/storageAccounts"

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
COG_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
REGISTRY = "Microsoft.ContainerRegistry/registries"
CUSTOM_ML_ALL = "6f1c2a8e-0b7d-4c59-9a0e-1f2e3d4c5b6a"
CUSTOM_STAR = "9d8c7b6a-5f4e-4d3c-8b2a-190817263544"
CUSTOM_NARROW = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
CUSTOM_UNCOLLECTED = "deadbeef-0000-4000-8000-00000000c0de"


def rg(sub: str, group: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}"


def ws_id(sub: str, group: str, name: str) -> str:
    return f"{rg(sub, group)}/providers/{MLS}/workspaces/{name}"


def system_data(created: str) -> dict[str, str]:
    return {
        "createdAt": created,
        "createdBy": "platform-team@contoso.example",
        "createdByType": "User",
    }


def workspace(
    sub: str, group: str, name: str, location: str, kind: str = "Default"
) -> dict[str, Any]:
    return {
        "id": ws_id(sub, group, name),
        "name": name,
        "type": f"{MLS}/workspaces",
        "location": location,
        "kind": kind,
        "identity": {"type": "SystemAssigned"},
        "sku": {"name": "Basic", "tier": "Basic"},
        "systemData": system_data("2024-03-02T09:00:00Z"),
        "properties": {
            "friendlyName": name,
            "publicNetworkAccess": "Enabled",
            "hbiWorkspace": False,
            "v1LegacyMode": False,
        },
    }


def locked_down(ws: dict[str, Any]) -> dict[str, Any]:
    """A workspace that follows every network and encryption rule."""
    ws["properties"] |= {
        "publicNetworkAccess": "Disabled",
        "allowPublicAccessWhenBehindVnet": False,
        "privateEndpointConnections": approved_private_endpoint(ws["id"]),
        "managedNetwork": {
            "isolationMode": "AllowOnlyApprovedOutbound",
            "status": {"status": "Active"},
        },
        "encryption": {
            "status": "Enabled",
            "keyVaultProperties": {
                "keyVaultArmId": ws["id"].split("/providers/")[0]
                + "/providers/Microsoft.KeyVault/vaults/kv-vision",
                "keyIdentifier": "https://kv-vision.vault.azure.net/keys/ws-cmk",
            },
        },
    }
    return ws


def compute(ws: str, name: str, location: str, compute_type: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{ws}/computes/{name}",
        "name": name,
        "type": f"{MLS}/workspaces/computes",
        "location": location,
        "properties": {"computeType": compute_type, "provisioningState": "Succeeded", **props},
    }


def endpoint(
    ws: str, name: str, location: str, auth_mode: str, created: str, public: str = "Enabled"
) -> dict[str, Any]:
    return {
        "id": f"{ws}/onlineEndpoints/{name}",
        "name": name,
        "type": f"{MLS}/workspaces/onlineEndpoints",
        "location": location,
        "kind": "Managed",
        "identity": {
            "type": "SystemAssigned",
            "principalId": principal_of(name),
            "tenantId": "99999999-9999-4999-8999-999999999999",
        },
        "systemData": system_data(created),
        "properties": {
            "authMode": auth_mode,
            "publicNetworkAccess": public,
            "provisioningState": "Succeeded",
            "scoringUri": f"https://{name}.{location}.inference.ml.azure.com/score",
            "traffic": {"blue": 100},
        },
    }


def principal_of(name: str) -> str:
    """A stable, readable fake object id for a demo identity."""
    return f"e1d00000-0000-4000-8000-{sum(map(ord, name)):012d}"


def connection(ws: str, name: str, category: str, auth_type: str, target: str) -> dict[str, Any]:
    return {
        "id": f"{ws}/connections/{name}",
        "name": name,
        "type": f"{MLS}/workspaces/connections",
        "properties": {
            "category": category,
            "authType": auth_type,
            "target": target,
            "isSharedToAll": True,
        },
    }


def approved_private_endpoint(resource_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{resource_id}/privateEndpointConnections/pe-{resource_id.rsplit('/', 1)[-1]}",
            "properties": {
                "privateEndpoint": {"id": f"{resource_id}-pe"},
                "privateLinkServiceConnectionState": {"status": "Approved", "description": ""},
                "provisioningState": "Succeeded",
            },
        }
    ]


def deployment(
    ep: str,
    name: str,
    location: str,
    env: dict[str, str],
    egress: str = "Enabled",
    model: str = "azureml:fraud-gbm:3",
) -> dict[str, Any]:
    return {
        "id": f"{ep}/deployments/{name}",
        "name": name,
        "type": f"{MLS}/workspaces/onlineEndpoints/deployments",
        "location": location,
        "kind": "Managed",
        "sku": {"name": "Default", "capacity": 2},
        "properties": {
            "endpointComputeType": "Managed",
            "instanceType": "Standard_DS3_v2",
            "environmentVariables": env,
            "egressPublicNetworkAccess": egress,
            "model": model,
            "provisioningState": "Succeeded",
        },
    }


def service(
    ws: str,
    name: str,
    location: str,
    compute_type: str,
    env: dict[str, str] | None = None,
    **auth: Any,
) -> dict[str, Any]:
    props: dict[str, Any] = {"computeType": compute_type, "state": "Healthy", **auth}
    if env is not None:
        props["environmentImageRequest"] = {
            "environment": {"name": f"{name}-env", "environmentVariables": env}
        }
    return {
        "id": f"{ws}/services/{name}",
        "name": name,
        "type": f"{MLS}/workspaces/services",
        "location": location,
        "properties": props,
    }


def account(
    sub: str, group: str, name: str, kind: str, location: str, created: str, **props: Any
) -> dict[str, Any]:
    return {
        "id": f"{rg(sub, group)}/providers/{CS}/accounts/{name}",
        "name": name,
        "type": f"{CS}/accounts",
        "kind": kind,
        "location": location,
        "sku": {"name": "S0"},
        "systemData": system_data(created),
        "properties": {
            "endpoint": f"https://{name}.cognitiveservices.azure.com/",
            "dateCreated": created,
            "provisioningState": "Succeeded",
            **props,
        },
    }


def assignment(
    scope: str, guid: str, role: str, principal: str, principal_type: str
) -> dict[str, Any]:
    sub = scope.split("/")[2] if scope.startswith("/subscriptions/") else S1
    return {
        "id": f"{scope}/providers/{AUTH}/roleAssignments/{guid}",
        "name": guid,
        "type": f"{AUTH}/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{sub}/providers/{AUTH}/roleDefinitions/{role}",
            "principalId": principal,
            "principalType": principal_type,
            "scope": scope,
        },
    }


def role_definition(
    guid: str, name: str, role_type: str, actions: list[str], scopes: list[str]
) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{S1}/providers/{AUTH}/roleDefinitions/{guid}",
        "name": guid,
        "type": f"{AUTH}/roleDefinitions",
        "properties": {
            "roleName": name,
            "type": role_type,
            "description": f"{name} (demo)",
            "permissions": [
                {"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}
            ],
            "assignableScopes": scopes,
        },
    }


def event(resource_id: str, operation: str, status: str, when: str, n: int) -> dict[str, Any]:
    sub = resource_id.split("/")[2]
    return {
        "eventDataId": f"00000000-0000-4000-8000-{n:012d}",
        "correlationId": f"10000000-0000-4000-8000-{n:012d}",
        "caller": "ops@contoso.example",
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "level": "Informational",
        "operationName": {"value": operation, "localizedValue": "Regenerate keys"},
        "resourceProviderName": {"value": operation.split("/")[0]},
        "resourceId": resource_id,
        "status": {"value": status, "localizedValue": status},
        "eventTimestamp": when,
        "submissionTimestamp": when,
        "subscriptionId": sub,
    }


def build() -> dict[str, Any]:
    files: dict[str, Any] = {}
    files["subscriptions.json"] = {
        "value": [
            {
                "id": f"/subscriptions/{sub}",
                "subscriptionId": sub,
                "displayName": name,
                "state": "Enabled",
                "tenantId": "99999999-9999-4999-8999-999999999999",
            }
            for sub, name in (
                (S1, "contoso-ml-prod"),
                (S2, "contoso-ai-dev"),
                (S3, "contoso-sandbox"),
            )
        ]
    }

    # --- subscription 1: production ML ------------------------------------------------------
    fraud = ws_id(S1, "rg-ml-prod", "mlw-fraud")
    vision = ws_id(S1, "rg-vision", "mlw-vision")
    files["s1-ml-prod/workspaces.json"] = {
        "value": [
            workspace(S1, "rg-ml-prod", "mlw-fraud", "East US"),
            locked_down(workspace(S1, "rg-vision", "mlw-vision", "westeurope")),
        ],
        "nextLink": "https://management.azure.com/ignored-by-the-reader",
    }
    files["s1-ml-prod/computes.json"] = {
        "value": [
            compute(
                fraud,
                "aks-fraud-eus",
                "eastus",
                "AKS",
                computeLocation="eastus",
                resourceId=f"{rg(S1, 'rg-ml-prod')}/providers/{AKS}/aks-eus",
            ),
            compute(
                fraud,
                "aks-fraud-weu",
                "westeurope",
                "AKS",
                computeLocation="westeurope",
                resourceId=f"{rg(S1, 'rg-ml-prod')}/providers/{AKS}/aks-weu",
            ),
            compute(fraud, "arc-onprem", "westus2", "Kubernetes", computeLocation="westus2"),
            compute(fraud, "cpu-cluster", "eastus", "AmlCompute", disableLocalAuth=True),
            compute(vision, "aks-vision", "westeurope", "AKS", computeLocation="West Europe"),
            compute(
                fraud,
                "ci-analyst",
                "eastus",
                "ComputeInstance",
                properties={
                    "vmSize": "Standard_DS3_v2",
                    "osImageMetadata": {
                        "currentImageVersion": "24.06.10",
                        "latestImageVersion": "25.09.22",
                        "isLatestOsImageVersion": False,
                    },
                    "sshSettings": {"sshPublicAccess": "Enabled"},
                },
            ),
            compute(
                vision,
                "ci-vision",
                "westeurope",
                "ComputeInstance",
                disableLocalAuth=True,
                properties={
                    "vmSize": "Standard_DS3_v2",
                    "idleTimeBeforeShutdown": "PT30M",
                    "enableNodePublicIp": False,
                    "sshSettings": {"sshPublicAccess": "Disabled"},
                    "osImageMetadata": {
                        "currentImageVersion": "25.09.22",
                        "latestImageVersion": "25.09.22",
                        "isLatestOsImageVersion": True,
                    },
                },
            ),
            compute(vision, "k8s-vision", "westeurope", "Kubernetes", computeLocation="westeurope"),
        ]
    }
    ep_key = f"{fraud}/onlineEndpoints/fraud-score"
    ep_stale = f"{fraud}/onlineEndpoints/fraud-batch-score"
    ep_aad = f"{fraud}/onlineEndpoints/fraud-score-entra"
    ep_aml = f"{vision}/onlineEndpoints/vision-tagger"
    files["s1-ml-prod/online-endpoints.json"] = [
        endpoint(fraud, "fraud-score", "eastus", "Key", "2025-01-10T08:00:00Z"),
        endpoint(fraud, "fraud-batch-score", "eastus", "Key", "2025-03-05T08:00:00Z"),
        endpoint(
            fraud, "fraud-score-entra", "eastus", "AADToken", "2025-06-01T08:00:00Z", "Disabled"
        ),
        endpoint(vision, "vision-tagger", "westeurope", "AMLToken", "2025-02-01T08:00:00Z"),
    ]
    files["s1-ml-prod/deployments.json"] = {
        "value": [
            deployment(
                ep_key,
                "blue",
                "eastus",
                {
                    "LOG_LEVEL": "info",
                    "FEATURE_STORE_CONN": "DefaultEndpointsProtocol=https;AccountName=stfraudfeat;"
                    "AccountKey=DEMOonlyDEMOonlyDEMOonlyDEMOonlyDEMOonly00==;EndpointSuffix=core.windows.net",
                    "OPENAI_API_KEY": "sk-DEMOonlyNotARealKey0123456789abcdef",
                },
            ),
            deployment(
                ep_aad,
                "green",
                "eastus",
                {
                    "MODEL_NAME": "fraud-gbm",
                    "DB_PASSWORD": "${{azureml://connections/fraud-db/credentials/password}}",
                    "AZURE_KEYVAULT_URL": "https://kv-fraud.vault.azure.net/",
                },
                egress="Disabled",
            ),
            deployment(
                ep_aml,
                "main",
                "westeurope",
                {},
                model="azureml://registries/azureml/models/Phi-4/versions/7",
            ),
        ]
    }
    files["s1-ml-prod/services.json"] = {
        "value": [
            service(fraud, "legacy-aci-open", "eastus", "ACI", authEnabled=False),
            service(
                fraud, "legacy-aci-token", "eastus", "ACI", authEnabled=False, aadAuthEnabled=True
            ),
            service(fraud, "legacy-aci-keyed", "eastus", "ACI", authEnabled=True, sslEnabled=True),
            service(
                fraud,
                "legacy-aci-key-and-token",
                "eastus",
                "ACI",
                authEnabled=True,
                aadAuthEnabled=True,
            ),
            service(
                fraud, "legacy-aks-both", "eastus", "AKS", authEnabled=True, aadAuthEnabled=True
            ),
            service(
                fraud, "legacy-aks-token", "eastus", "AKS", authEnabled=False, aadAuthEnabled=True
            ),
            service(
                fraud,
                "legacy-aks-key",
                "eastus",
                "AKS",
                env={"SCORING_API_TOKEN": "tok-DEMOonly-8f3a9c2e71", "WORKERS": "4"},
                authEnabled=True,
                aadAuthEnabled=False,
            ),
            service(
                fraud,
                "legacy-aks-open",
                "eastus",
                "AKS",
                env={"WORKERS": "2"},
                authEnabled=False,
                aadAuthEnabled=False,
            ),
        ]
    }
    files["s1-ml-prod/activity-log.json"] = {
        "value": [
            event(
                ep_key,
                f"{MLS}/workspaces/onlineEndpoints/regenerateKeys/action",
                "Started",
                "2026-09-20T10:00:00.1234567Z",
                1,
            ),
            event(
                ep_key,
                f"{MLS}/workspaces/onlineEndpoints/regenerateKeys/action",
                "Succeeded",
                "2026-09-20T10:00:03.7654321Z",
                2,
            ),
            # lower-case operation name, as the Activity Log sometimes returns it
            event(
                ep_stale,
                f"{MLS}/workspaces/onlineendpoints/regeneratekeys/action".lower(),
                "Failed",
                "2026-10-02T14:00:00Z",
                3,
            ),
        ]
    }
    # A Resource Graph export of mlw-fraud's storage account (see demo_dependencies.py).
    files["s1-ml-prod/resource-graph-storage.json"] = {
        "totalRecords": 1,
        "count": 1,
        "data": [
            {
                "id": f"{rg(S1, 'rg-ml-prod')}/providers/{STORAGE}/stfraudfeat",
                "name": "stfraudfeat",
                "type": "microsoft.storage/storageaccounts",
                "location": "eastus",
                "subscriptionId": S1,
                "resourceGroup": "rg-ml-prod",
                "properties": {},
            },
        ],
    }

    # --- subscription 2: AI services development --------------------------------------------
    oai = f"{rg(S2, 'rg-ai-dev')}/providers/{CS}/accounts/oai-dev"
    lang = f"{rg(S2, 'rg-ai-dev')}/providers/{CS}/accounts/lang-dev"
    cv = f"{rg(S2, 'rg-ai-dev')}/providers/{CS}/accounts/cv-legacy"
    files["s2-ai-dev/ai-accounts.json"] = {
        "value": [
            account(
                S2,
                "rg-ai-dev",
                "oai-dev",
                "OpenAI",
                "swedencentral",
                "2024-05-01T10:00:00Z",
                disableLocalAuth=True,
                publicNetworkAccess="Disabled",
                privateEndpointConnections=approved_private_endpoint(oai),
                restrictOutboundNetworkAccess=True,
                allowedFqdnList=["stgenaidocs.blob.core.windows.net"],
                encryption={
                    "keySource": "Microsoft.KeyVault",
                    "keyVaultProperties": {
                        "keyName": "oai-cmk",
                        "keyVaultUri": "https://kv-genai.vault.azure.net/",
                    },
                },
            )
            | {"identity": {"type": "SystemAssigned", "principalId": principal_of("oai-dev")}},
            account(S2, "rg-ai-dev", "lang-dev", "TextAnalytics", "eastus", "2024-02-01T10:00:00Z"),
            account(
                S2,
                "rg-ai-dev",
                "speech-dev",
                "SpeechServices",
                "eastus",
                "2024-01-15T10:00:00Z",
                disableLocalAuth=False,
            ),
            account(
                S2,
                "rg-ai-dev",
                "aisvc-new",
                "AIServices",
                "eastus2",
                "2026-10-15T10:00:00Z",
                disableLocalAuth=False,
            ),
            account(
                S2,
                "rg-ai-dev",
                "cv-legacy",
                "ComputerVision",
                "West Europe",
                "2023-06-01T10:00:00Z",
            ),
        ]
    }
    add_foundry(files, "s2-ai-dev", S2)
    hub = ws_id(S2, "rg-ai-dev", "hub-genai")
    files["s2-ai-dev/workspaces.json"] = workspace(
        S2, "rg-ai-dev", "hub-genai", "swedencentral", kind="Hub"
    )
    files["s2-ai-dev/activity-log.json"] = [
        event(lang, f"{CS}/accounts/regenerateKey/action", "Succeeded", "2026-10-12T09:30:00Z", 10),
        event(cv, f"{CS}/accounts/regenerateKey/action", "Succeeded", "2026-05-02T09:30:00Z", 11),
        event(cv, f"{CS}/accounts/regenerateKey/action", "Failed", "2026-10-20T09:30:00Z", 12),
        event(oai, f"{CS}/accounts/listKeys/action", "Succeeded", "2026-10-21T09:30:00Z", 13),
    ]
    files["s2-ai-dev/connections.json"] = {
        "value": [
            connection(
                hub, "oai-dev-entra", "AzureOpenAI", "AAD", "https://oai-dev.openai.azure.com/"
            ),
            connection(
                hub,
                "aisvc-new-key",
                "AIServices",
                "ApiKey",
                "https://aisvc-new.cognitiveservices.azure.com/",
            ),
            connection(
                hub,
                "docs-blob",
                "AzureBlob",
                "AccountKey",
                "https://stgenaidocs.blob.core.windows.net/docs",
            ),
        ]
    }
    files["s2-ai-dev/online-endpoints.json"] = {
        "value": [
            endpoint(hub, "chat-eval", "swedencentral", "Key", "2026-09-01T08:00:00Z"),
        ]
    }

    # --- subscription 3: sandbox, Activity Log not readable ----------------------------------
    files["s3-sandbox/resource-graph-ai.json"] = {
        "data": [
            {
                **account(
                    S3,
                    "rg-sandbox",
                    "sandbox-ai",
                    "CognitiveServices",
                    "eastus",
                    "2024-08-01T10:00:00Z",
                ),
                "type": "microsoft.cognitiveservices/accounts",
                "subscriptionId": S3,
                "resourceGroup": "rg-sandbox",
            },
            {
                **account(
                    S3,
                    "rg-sandbox-translate",
                    "sandbox-translator",
                    "TextTranslation",
                    "westeurope",
                    "2024-09-01T10:00:00Z",
                ),
                "type": "microsoft.cognitiveservices/accounts",
                "subscriptionId": S3,
                "resourceGroup": "rg-sandbox-translate",
            },
        ]
    }

    # --- access control ----------------------------------------------------------------------
    mg_scope = f"/providers/Microsoft.Management/managementGroups/{MG}"
    files["role-assignments.json"] = {
        "value": [
            assignment(
                mg_scope,
                "a0000000-0000-4000-8000-000000000001",
                OWNER,
                "c0ffee00-0000-4000-8000-000000000001",
                "User",
            ),
            assignment(
                f"/subscriptions/{S1}",
                "a0000000-0000-4000-8000-000000000002",
                CONTRIBUTOR,
                "5e000000-0000-4000-8000-000000000002",
                "ServicePrincipal",
            ),
            assignment(
                f"/subscriptions/{S1}",
                "a0000000-0000-4000-8000-000000000003",
                READER,
                "5e000000-0000-4000-8000-000000000003",
                "ServicePrincipal",
            ),
            assignment(
                rg(S2, "rg-ai-dev"),
                "a0000000-0000-4000-8000-000000000004",
                UAA,
                "c0ffee00-0000-4000-8000-000000000004",
                "User",
            ),
            assignment(
                oai,
                "a0000000-0000-4000-8000-000000000005",
                COG_USER,
                "9a000000-0000-4000-8000-000000000005",
                "Group",
            ),
            assignment(
                fraud,
                "a0000000-0000-4000-8000-000000000006",
                OWNER,
                "c0ffee00-0000-4000-8000-000000000006",
                "User",
            ),
            assignment(
                rg(S1, "rg-network"),
                "a0000000-0000-4000-8000-000000000007",
                OWNER,
                "c0ffee00-0000-4000-8000-000000000007",
                "User",
            ),
            assignment(
                rg(S1, "rg-ml-prod"),
                "a0000000-0000-4000-8000-000000000008",
                CUSTOM_ML_ALL,
                "9a000000-0000-4000-8000-000000000008",
                "Group",
            ),
            assignment(
                f"/subscriptions/{S2}",
                "a0000000-0000-4000-8000-000000000009",
                CUSTOM_STAR,
                "5e000000-0000-4000-8000-000000000009",
                "ServicePrincipal",
            ),
            assignment(
                rg(S3, "rg-sandbox"),
                "a0000000-0000-4000-8000-000000000010",
                CUSTOM_UNCOLLECTED,
                "c0ffee00-0000-4000-8000-000000000010",
                "User",
            ),
            # a second subscription Owner (a group) for contoso-ai-dev: 2 Owners there
            assignment(
                f"/subscriptions/{S2}",
                "a0000000-0000-4000-8000-000000000011",
                OWNER,
                "9a000000-0000-4000-8000-000000000011",
                "Group",
            ),
            # a data-plane role held by one person rather than a group
            assignment(
                lang,
                "a0000000-0000-4000-8000-000000000012",
                COG_USER,
                "c0ffee00-0000-4000-8000-000000000012",
                "User",
            ),
            # online endpoint identities: one narrow, one that can write the feature store
            assignment(
                f"{rg(S1, 'rg-ml-prod')}/providers/{REGISTRY}/crfraud",
                "a0000000-0000-4000-8000-000000000013",
                ACR_PULL,
                principal_of("fraud-score-entra"),
                "ServicePrincipal",
            ),
            assignment(
                f"{rg(S1, 'rg-ml-prod')}/providers/{STORAGE}/stfraudfeat",
                "a0000000-0000-4000-8000-000000000014",
                BLOB_READER,
                principal_of("fraud-score-entra"),
                "ServicePrincipal",
            ),
            assignment(
                f"{rg(S1, 'rg-ml-prod')}/providers/{STORAGE}/stfraudfeat",
                "a0000000-0000-4000-8000-000000000015",
                BLOB_CONTRIBUTOR,
                principal_of("fraud-score"),
                "ServicePrincipal",
            ),
        ]
    }
    files["role-definitions.json"] = {
        "value": [
            role_definition(OWNER, "Owner", "BuiltInRole", ["*"], ["/"]),
            role_definition(
                CUSTOM_ML_ALL,
                "ML Ops Everything",
                "CustomRole",
                ["Microsoft.MachineLearningServices/*", "Microsoft.Resources/deployments/*"],
                [f"/subscriptions/{S1}"],
            ),
            role_definition(
                CUSTOM_STAR, "Break Glass Automation", "CustomRole", ["*"], [f"/subscriptions/{S2}"]
            ),
            role_definition(
                CUSTOM_NARROW,
                "AI Key Reader (narrow)",
                "CustomRole",
                ["Microsoft.CognitiveServices/accounts/read"],
                [f"/subscriptions/{S2}"],
            ),
        ]
    }

    files["manifest.json"] = {
        "kind": "auditor-snapshot-manifest",
        "version": 1,
        "collected_at": "2026-11-01T00:00:00Z",
        "tool": {"name": "auditor", "version": "demo"},
        "coverage": [
            {
                "subscription_id": S1,
                "collected": [
                    "workspaces",
                    "computes",
                    "online_endpoints",
                    "online_deployments",
                    "web_services",
                    "ai_accounts",
                    "role_assignments",
                    "role_definitions",
                    "activity_log",
                ],
            },
            {
                "subscription_id": S2,
                "collected": [
                    "workspaces",
                    "computes",
                    "online_endpoints",
                    "online_deployments",
                    "web_services",
                    "ai_accounts",
                    "role_assignments",
                    "role_definitions",
                    "activity_log",
                    *FOUNDRY_KINDS,
                ],
            },
            {"subscription_id": S3, "collected": ["ai_accounts", "role_assignments"]},
        ],
        # the sandbox subscription sits outside the contoso-root management group
        "management_groups": {MG: [S1, S2]},
        "errors": [
            {
                "scope": f"/subscriptions/{S3}",
                "operation": "list Activity Log events",
                "message": "The client does not have authorization to perform action "
                "'Microsoft.Insights/eventtypes/values/read' over scope '/subscriptions/"
                + S3
                + "'",
                "status_code": 403,
                "missing_permission": "Microsoft.Insights/eventtypes/values/read",
                "data_kinds": ["activity_log"],
            }
        ],
    }
    add_dependencies(
        files
    )  # before add_guard: its mlw-genai is a twin of mlw-vision, links and all
    add_guard(files, S1, S2, S3)
    add_logging(files)
    return files


def main() -> None:
    for old in OUT.rglob("*.json"):
        old.unlink()
    for name, content in build().items():
        path = OUT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(build())} files to {OUT}")


if __name__ == "__main__":
    main()
