"""The connections part of the demo's Foundry estate: account and project connections of
several auth types, an agent capability host, Defender for AI settings, a second account whose
agents are injected into a customer subnet, and serverless endpoints in ``hub-genai``.

Each of AIS008 and AIS014-AIS018, AML026 and AML027 passes and fails here (tests/test_demo.py).
Called from ``add_foundry`` in scripts/demo_foundry.py. No record carries a credential: the
auth type is all a connection keeps.
"""

from __future__ import annotations

from typing import Any

from demo_foundry import CS, FOUNDRY_GROUP, account_id, foundry_account, project_id

MLS = "Microsoft.MachineLearningServices"
HUB = ("rg-ai-dev", "hub-genai")
VNET_ACCOUNT = "foundry-vnet"


def _connection(
    parent: str, kind: str, name: str, category: str, auth_type: str, target: str, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"{parent}/connections/{name}",
        "name": name,
        "type": f"{CS}/{kind}",
        "properties": {"category": category, "authType": auth_type, "target": target, **extra},
    }


def account_connections(sub: str) -> list[dict[str, Any]]:
    account = account_id(sub)
    kind = "accounts/connections"
    return [
        _connection(
            account,
            kind,
            "search-shared-key",
            "CognitiveSearch",
            "ApiKey",
            "https://srch-prod.search.windows.net",
            isSharedToAll=True,
        ),
        _connection(
            account,
            kind,
            "aoai-entra",
            "AzureOpenAI",
            "AAD",
            "https://foundry-prod.openai.azure.com/",
            isSharedToAll=True,
        ),
    ]


def project_connections(sub: str) -> list[dict[str, Any]]:
    chat, agents = project_id(sub, "proj-chat"), project_id(sub, "proj-agents")
    kind = "accounts/projects/connections"
    return [
        _connection(
            chat,
            kind,
            "aoai-key",
            "AzureOpenAI",
            "ApiKey",
            "https://foundry-prod.openai.azure.com/",
            isSharedToAll=False,
            expiryTime="2027-06-01T00:00:00Z",
        ),
        _connection(
            chat,
            kind,
            "blob-mi",
            "AzureBlob",
            "ManagedIdentity",
            "https://stfoundry.blob.core.windows.net/data",
            isSharedToAll=False,
        ),
        _connection(
            agents,
            kind,
            "aoai-aad",
            "AzureOpenAI",
            "AAD",
            "https://foundry-prod.openai.azure.com/",
            isSharedToAll=False,
        ),
        _connection(
            agents,
            kind,
            "files-sas-expired",
            "AzureBlob",
            "SAS",
            "https://stfoundry.blob.core.windows.net/agent-files",
            isSharedToAll=False,
            expiryTime="2026-10-01T00:00:00Z",
        ),
    ]


def vnet_account(sub: str) -> dict[str, Any]:
    """A second locked-down account whose agents run in a customer subnet."""
    record = foundry_account(sub, "2026-10-01T10:00:00Z")
    resource_id = _vnet_account_id(sub)
    subnet = (
        f"/subscriptions/{sub}/resourceGroups/{FOUNDRY_GROUP}/providers/Microsoft.Network/"
        "virtualNetworks/vnet-foundry/subnets/agents"
    )
    properties = {
        key: value
        for key, value in record["properties"].items()
        if key not in ("defaultProject", "associatedProjects", "privateEndpointConnections")
    }
    properties |= {
        "endpoint": f"https://{VNET_ACCOUNT}.cognitiveservices.azure.com/",
        "customSubDomainName": VNET_ACCOUNT,
        "networkInjections": [
            {"scenario": "agent", "subnetArmId": subnet, "useMicrosoftManagedNetwork": False}
        ],
        "privateEndpointConnections": [
            {
                "id": f"{resource_id}/privateEndpointConnections/pe-{VNET_ACCOUNT}",
                "properties": {
                    "privateEndpoint": {"id": f"{resource_id}-pe"},
                    "privateLinkServiceConnectionState": {"status": "Approved", "description": ""},
                    "provisioningState": "Succeeded",
                },
            }
        ],
    }
    return {
        **record,
        "id": resource_id,
        "name": VNET_ACCOUNT,
        "identity": {**record["identity"], "principalId": "f0f0f0f0-0000-4000-8000-0000000000f2"},
        "properties": properties,
    }


def _vnet_account_id(sub: str) -> str:
    return account_id(sub).rsplit("/", 1)[0] + f"/{VNET_ACCOUNT}"


def capability_hosts(sub: str) -> list[dict[str, Any]]:
    vnet = _vnet_account_id(sub)
    return [
        {
            "id": f"{parent}/capabilityHosts/agents",
            "name": "agents",
            "type": f"{CS}/accounts/capabilityHosts",
            "properties": {
                "capabilityHostKind": "Agents",
                "provisioningState": "Succeeded",
                "threadStorageConnections": ["cosmos-threads"],
                "vectorStoreConnections": ["search-shared-key"],
            },
        }
        for parent in (account_id(sub), vnet)
    ]


def defender_settings(sub: str) -> list[dict[str, Any]]:
    vnet = _vnet_account_id(sub)
    return [
        {
            "id": f"{parent}/defenderForAISettings/Default",
            "name": "Default",
            "type": f"{CS}/accounts/defenderForAISettings",
            "properties": {"state": state},
        }
        for parent, state in ((account_id(sub), "Enabled"), (vnet, "Disabled"))
    ]


def serverless_endpoints(sub: str) -> list[dict[str, Any]]:
    group, name = HUB
    hub = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{MLS}/workspaces/{name}"
    endpoints = (
        (
            "llama-key",
            "Key",
            "Enabled",
            "azureml://registries/azureml-meta/models/Llama-3.3-70B-Instruct",
        ),
        ("phi-aad", "AAD", "Enabled", "azureml://registries/azureml/models/Phi-4"),
        (
            "mistral-unsafe",
            "AAD",
            "Disabled",
            "azureml://registries/azureml-mistral/models/Mistral-Large-2411",
        ),
    )
    return [
        {
            "id": f"{hub}/serverlessEndpoints/{endpoint}",
            "name": endpoint,
            "type": f"{MLS}/workspaces/serverlessEndpoints",
            "location": "swedencentral",
            "sku": {"name": "Consumption"},
            "properties": {
                "authMode": auth_mode,
                "contentSafety": {"contentSafetyStatus": safety},
                "modelSettings": {"modelId": model},
                "provisioningState": "Succeeded",
            },
        }
        for endpoint, auth_mode, safety, model in endpoints
    ]


def add_connections(files: dict[str, Any], folder: str, sub: str) -> None:
    """Add the connection, agent, Defender and serverless records to a subscription folder."""
    files[f"{folder}/ai-accounts.json"]["value"].append(vnet_account(sub))
    files[f"{folder}/ai-account-connections.json"] = {"value": account_connections(sub)}
    files[f"{folder}/ai-project-connections.json"] = {"value": project_connections(sub)}
    files[f"{folder}/ai-capability-hosts.json"] = {"value": capability_hosts(sub)}
    files[f"{folder}/defender-ai-settings.json"] = {"value": defender_settings(sub)}
    files[f"{folder}/serverless-endpoints.json"] = {"value": serverless_endpoints(sub)}
