"""The logging part of the emulator's fixture estate: two ML registries (one public without a
private endpoint, one private) and diagnostic settings for some of the fixture estate's
accounts, workspaces, endpoints and registries (others have none, so they fail).

Served at ``{resourceId}/providers/Microsoft.Insights/diagnosticSettings`` (one list per
resource, empty for a resource without settings) and
``/subscriptions/{s}/providers/Microsoft.MachineLearningServices/registries``.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.foundry_estate import SUB

_RG = f"/subscriptions/{SUB}/resourceGroups/rg-ml/providers"
MLS = "Microsoft.MachineLearningServices"
FRAUD = f"{_RG}/{MLS}/workspaces/mlw-fraud"
OPENAI = f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ml-openai"
PUBLIC_REGISTRY = f"{_RG}/{MLS}/registries/reg-public"
PRIVATE_REGISTRY = f"{_RG}/{MLS}/registries/reg-private"
LAW = f"{_RG}/Microsoft.OperationalInsights/workspaces/law"


def _setting(target: str, name: str, logs: list[dict[str, Any]], **dest: str) -> dict[str, Any]:
    return {
        "id": f"{target}/providers/Microsoft.Insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {**dest, "logs": logs, "metrics": []},
    }


def _registry(registry_id: str, public: str, status: str | None) -> dict[str, Any]:
    connections = []
    if status is not None:
        connections.append(
            {
                "id": "pe",
                "properties": {
                    "privateEndpoint": {"id": f"{_RG}/Microsoft.Network/privateEndpoints/pe"},
                    "registryPrivateLinkServiceConnectionState": {"status": status},
                },
            }
        )
    return {
        "id": registry_id,
        "name": registry_id.rsplit("/", 1)[1],
        "type": f"{MLS}/registries",
        "location": "eastus",
        "properties": {
            "publicNetworkAccess": public,
            "registryPrivateEndpointConnections": connections,
        },
    }


def records() -> list[dict[str, Any]]:
    """The registries and diagnostic settings, as ARM returns them."""
    audit = [{"categoryGroup": "audit", "enabled": True}]
    return [
        _registry(PUBLIC_REGISTRY, "Enabled", None),
        _registry(PRIVATE_REGISTRY, "Disabled", "Approved"),
        _setting(PRIVATE_REGISTRY, "assets", audit, workspaceId=LAW),
        _setting(OPENAI, "audit", [{"category": "Audit", "enabled": True}], workspaceId=LAW),
        _setting(FRAUD, "all", [{"categoryGroup": "allLogs", "enabled": True}], workspaceId=LAW),
        _setting(f"{FRAUD}/onlineEndpoints/fraud-aad", "traffic", audit, storageAccountId=LAW),
    ]
