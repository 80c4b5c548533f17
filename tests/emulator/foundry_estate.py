"""The reference AI Foundry estate (``/work/briefs/foundry-estate.md``) as ARM serves it.

Subscription A, resource group ``rg-foundry``: the AIServices account ``foundry-ref`` with two
projects, account and project connections, two content-filter policies, two deployments, an
agent capability host and its Defender for AI setting, plus the ML hub ``hub-ref`` with three
serverless endpoints. Built in code, not kept as JSON, so that every connection's
``credentials`` and the serverless endpoints' key-shaped fields carry canaries of
:mod:`tests.canaries` (``CREDENTIAL_CANARIES``): a live scan, the snapshot it saves and every
report must hold none of them.
"""

from __future__ import annotations

from typing import Any

from tests.canaries import generate

SUB = "a0a0a0a0-0000-4000-8000-00000000000a"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-foundry"
ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/foundry-ref"
HUB = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/hub-ref"
LOCATION = "swedencentral"
CREDENTIAL_CANARIES = [c for c in generate() if c.detectable][:8]
"""The secrets planted in this estate (values a detector recognises, so a leak is named)."""
_CS = "Microsoft.CognitiveServices/accounts"


def _secret(index: int) -> str:
    return CREDENTIAL_CANARIES[index % len(CREDENTIAL_CANARIES)].value


def _identity(principal: str) -> dict[str, Any]:
    return {
        "type": "SystemAssigned",
        "principalId": principal,
        "tenantId": "99999999-0000-4000-8000-000000000099",
    }


def _connection(
    parent: str, arm_type: str, name: str, properties: dict[str, Any], secret: int
) -> dict[str, Any]:
    # Every connection answers with credentials, even the keyless ones: whatever ARM sends,
    # none of it may be kept.
    credentials: dict[str, Any] = {"key": _secret(secret)}
    if properties["authType"] == "ManagedIdentity":
        credentials = {
            "clientId": "c1c1c1c1-0000-4000-8000-0000000000c1",
            "resourceId": f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi",
            "key": _secret(secret),
        }
    return {
        "id": f"{parent}/connections/{name}",
        "name": name,
        "type": arm_type,
        "properties": {**properties, "credentials": credentials},
    }


def _filters(
    harm: str, overrides: dict[tuple[str, str], str], shields: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    filters = [
        {
            "name": name,
            "enabled": True,
            "blocking": True,
            "severityThreshold": overrides.get((name, source), harm),
            "source": source,
        }
        for source in ("Prompt", "Completion")
        for name in ("Hate", "Sexual", "Violence", "Selfharm")
    ]
    return filters + shields


def _policy(name: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"{ACCOUNT}/raiPolicies/{name}",
        "name": name,
        "type": f"{_CS}/raiPolicies",
        "properties": {
            "type": "UserManaged",
            "mode": "Default",
            "basePolicyName": "Microsoft.DefaultV2",
            "contentFilters": filters,
        },
    }


def _deployment(name: str, sku: str, policy: str, upgrade: str) -> dict[str, Any]:
    return {
        "id": f"{ACCOUNT}/deployments/{name}",
        "name": name,
        "type": f"{_CS}/deployments",
        "sku": {"name": sku, "capacity": 10},
        "properties": {
            "model": {
                "format": "OpenAI",
                "name": "gpt-4o",
                "version": "2024-11-20",
                "publisher": "OpenAI",
            },
            "raiPolicyName": policy,
            "versionUpgradeOption": upgrade,
            "provisioningState": "Succeeded",
        },
    }


def _serverless(name: str, auth: str, safety: str, model: str, secret: int) -> dict[str, Any]:
    return {
        "id": f"{HUB}/serverlessEndpoints/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints",
        "location": LOCATION,
        "sku": {"name": "Consumption"},
        "properties": {
            "authMode": auth,
            "contentSafety": {"contentSafetyStatus": safety},
            "modelSettings": {"modelId": model},
            "endpointState": "Online",
            "provisioningState": "Succeeded",
            # Read-only `headers` is a free map: a key could ride in it, as in an unknown field.
            "inferenceEndpoint": {
                "uri": f"https://{name}.{LOCATION}.models.ai.azure.com",
                "headers": {"api-key": _secret(secret)},
            },
            "primaryKey": _secret(secret + 1),
        },
    }


def _shield(name: str, source: str, on: bool) -> dict[str, Any]:
    return {"name": name, "enabled": on, "blocking": on, "source": source}


def records() -> list[dict[str, Any]]:
    """Every record of the reference estate, as ARM's GETs return them."""
    project_a, project_b = f"{ACCOUNT}/projects/proj-a", f"{ACCOUNT}/projects/proj-b"
    account_conn, project_conn = f"{_CS}/connections", f"{_CS}/projects/connections"
    return [
        {
            "id": ACCOUNT,
            "name": "foundry-ref",
            "type": _CS,
            "location": LOCATION,
            "kind": "AIServices",
            "sku": {"name": "S0"},
            "identity": _identity("f1000000-0000-4000-8000-000000000001"),
            "properties": {
                "publicNetworkAccess": "Disabled",
                "disableLocalAuth": True,
                "networkAcls": {"defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []},
                "allowProjectManagement": True,
                "customSubDomainName": "foundry-ref",
                "endpoint": "https://foundry-ref.cognitiveservices.azure.com/",
                "provisioningState": "Succeeded",
            },
        },
        *(
            {
                "id": project,
                "name": project.rsplit("/", 1)[-1],
                "type": f"{_CS}/projects",
                "location": LOCATION,
                "identity": _identity(f"f100000{n}-0000-4000-8000-000000000002"),
                "properties": {"provisioningState": "Succeeded", "isDefault": n == 1},
            }
            for n, project in enumerate((project_a, project_b), start=1)
        ),
        _connection(
            ACCOUNT,
            account_conn,
            "search-shared-key",
            {
                "category": "CognitiveSearch",
                "authType": "ApiKey",
                "target": "https://srch-ref.search.windows.net",
                "isSharedToAll": True,
            },
            0,
        ),
        _connection(
            ACCOUNT,
            account_conn,
            "aoai-entra",
            {
                "category": "AzureOpenAI",
                "authType": "AAD",
                "target": "https://foundry-ref.openai.azure.com/",
                "isSharedToAll": True,
            },
            1,
        ),
        _connection(
            project_a,
            project_conn,
            "aoai-key",
            {
                "category": "AzureOpenAI",
                "authType": "ApiKey",
                "target": "https://foundry-ref.openai.azure.com/",
                "isSharedToAll": False,
                "expiryTime": "2027-06-01T00:00:00Z",
            },
            2,
        ),
        _connection(
            project_a,
            project_conn,
            "blob-mi",
            {
                "category": "AzureBlob",
                "authType": "ManagedIdentity",
                "target": "https://stref.blob.core.windows.net/data",
                "isSharedToAll": False,
            },
            3,
        ),
        _connection(
            project_b,
            project_conn,
            "aoai-aad",
            {
                "category": "AzureOpenAI",
                "authType": "AAD",
                "target": "https://foundry-ref.openai.azure.com/",
                "isSharedToAll": False,
            },
            4,
        ),
        _policy(
            "weak-filter",
            _filters(
                "Medium",
                {("Hate", "Prompt"): "High"},
                [_shield("Jailbreak", "Prompt", False)],
            ),
        ),
        _policy(
            "strict-filter",
            _filters(
                "Medium",
                {},
                [
                    _shield("Jailbreak", "Prompt", True),
                    _shield("Indirect Attack", "Prompt", True),
                    _shield("Protected Material Text", "Completion", True),
                ],
            ),
        ),
        _deployment("gpt-weak", "GlobalStandard", "weak-filter", "OnceNewDefaultVersionAvailable"),
        _deployment("gpt-strong", "DataZoneStandard", "strict-filter", "NoAutoUpgrade"),
        {
            "id": f"{ACCOUNT}/capabilityHosts/agents",
            "name": "agents",
            "type": f"{_CS}/capabilityHosts",
            "properties": {"capabilityHostKind": "Agents", "provisioningState": "Succeeded"},
        },
        {
            "id": f"{ACCOUNT}/defenderForAISettings/Default",
            "name": "Default",
            "type": f"{_CS}/defenderForAISettings",
            "properties": {"state": "Enabled"},
        },
        {
            "id": HUB,
            "name": "hub-ref",
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": LOCATION,
            "kind": "Hub",
            "identity": _identity("f1000000-0000-4000-8000-000000000009"),
            "properties": {"friendlyName": "hub-ref", "publicNetworkAccess": "Disabled"},
            "systemData": {"createdAt": "2026-01-10T08:00:00Z"},
        },
        _serverless(
            "llama-key",
            "Key",
            "Enabled",
            "azureml://registries/azureml-meta/models/Llama-3.3-70B-Instruct",
            5,
        ),
        _serverless("phi-aad", "AAD", "Enabled", "azureml://registries/azureml/models/Phi-4", 6),
        _serverless(
            "mistral-unsafe",
            "AAD",
            "Disabled",
            "azureml://registries/azureml-mistral/models/Mistral-Large-2411",
            7,
        ),
    ]
