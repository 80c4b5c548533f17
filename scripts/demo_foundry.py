"""The AI Foundry part of the demo estate: one AIServices account with two projects, and the
hooks that add what hangs off it (connections, deployments, content filters, agents).

Called by scripts/make_demo.py; each part adds its own snapshot files to ``files``.
"""

from __future__ import annotations

from typing import Any

from demo_models import add_models

CS = "Microsoft.CognitiveServices"
FOUNDRY_GROUP = "rg-foundry"
FOUNDRY_ACCOUNT = "foundry-prod"
PROJECTS = ("proj-chat", "proj-agents")
FOUNDRY_KINDS = (
    "serverless_endpoints",
    "ai_projects",
    "ai_connections",
    "ai_deployments",
    "rai_policies",
    "capability_hosts",
    "defender_ai_settings",
)
"""Data kinds the Foundry part adds to the coverage of the subscription that holds it."""


def account_id(sub: str) -> str:
    group = f"/subscriptions/{sub}/resourceGroups/{FOUNDRY_GROUP}"
    return f"{group}/providers/{CS}/accounts/{FOUNDRY_ACCOUNT}"


def project_id(sub: str, project: str) -> str:
    return f"{account_id(sub)}/projects/{project}"


def foundry_account(sub: str, created: str) -> dict[str, Any]:
    """A locked-down AIServices account with project management on."""
    resource_id = account_id(sub)
    return {
        "id": resource_id,
        "name": FOUNDRY_ACCOUNT,
        "type": f"{CS}/accounts",
        "kind": "AIServices",
        "location": "swedencentral",
        "sku": {"name": "S0"},
        "identity": {
            "type": "SystemAssigned",
            "principalId": "f0f0f0f0-0000-4000-8000-0000000000f1",
        },
        "systemData": {
            "createdBy": "platform@contoso.com",
            "createdByType": "User",
            "createdAt": created,
        },
        "properties": {
            "endpoint": f"https://{FOUNDRY_ACCOUNT}.cognitiveservices.azure.com/",
            "customSubDomainName": FOUNDRY_ACCOUNT,
            "dateCreated": created,
            "provisioningState": "Succeeded",
            "disableLocalAuth": True,
            "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []},
            "allowProjectManagement": True,
            "defaultProject": PROJECTS[0],
            "associatedProjects": list(PROJECTS),
            "privateEndpointConnections": [
                {
                    "id": f"{resource_id}/privateEndpointConnections/pe-{FOUNDRY_ACCOUNT}",
                    "properties": {
                        "privateEndpoint": {"id": f"{resource_id}-pe"},
                        "privateLinkServiceConnectionState": {
                            "status": "Approved",
                            "description": "",
                        },
                        "provisioningState": "Succeeded",
                    },
                }
            ],
        },
    }


def projects(sub: str) -> list[dict[str, Any]]:
    return [
        {
            "id": project_id(sub, name),
            "name": name,
            "type": f"{CS}/accounts/projects",
            "location": "swedencentral",
            "identity": {
                "type": "SystemAssigned",
                "principalId": f"f0f0f0f0-0000-4000-8000-00000000010{index}",
            },
            "properties": {
                "provisioningState": "Succeeded",
                "displayName": name,
                "isDefault": index == 0,
            },
        }
        for index, name in enumerate(PROJECTS)
    ]


def add_foundry(files: dict[str, Any], folder: str, sub: str) -> None:
    """Add the Foundry account's records to a subscription folder of the demo."""
    files[f"{folder}/ai-accounts.json"]["value"].append(
        foundry_account(sub, "2026-09-01T10:00:00Z")
    )
    files[f"{folder}/ai-projects.json"] = {"value": projects(sub)}
    # Each part of the Foundry estate adds its own files below (scripts/demo_*.py).
    add_models(files, folder, account_id(sub))
    from demo_connections import add_connections  # it builds on this module's records

    add_connections(files, folder, sub)
