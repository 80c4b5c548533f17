"""The logging part of the demo estate: diagnostic settings of AI Services accounts, ML
workspaces, online endpoints and registries, and two ML registries (one public with no private
endpoint, one private).

Each of AIS019, AML028-AML030, AML036 and AML037 passes and fails here (tests/test_demo.py).
Called from ``build()`` in scripts/make_demo.py; it adds the kinds it fills to the coverage
of the subscriptions that hold them. The sandbox subscription (S3) declares no diagnostic
settings, so its accounts' AIS019 results are unknown: the demo shows what a scan with
``--no-diagnostic-settings`` reports.
"""

from __future__ import annotations

from typing import Any

from demo_foundry import account_id

S1 = "11111111-1111-4111-8111-111111111111"  # contoso-ml-prod
S2 = "22222222-2222-4222-8222-222222222222"  # contoso-ai-dev
MLS = "Microsoft.MachineLearningServices"
KINDS = ("diagnostic_settings", "ml_registries")
"""Data kinds this part adds to the coverage of S1 and S2."""

_MONITOR = f"/subscriptions/{S1}/resourceGroups/rg-monitor/providers"
_LAW = f"{_MONITOR}/Microsoft.OperationalInsights/workspaces/law-security"
_ARCHIVE = f"{_MONITOR}/Microsoft.Storage/storageAccounts/stlogarchive"


def _setting(
    target: str, name: str, logs: list[dict[str, Any]], **destinations: str
) -> dict[str, Any]:
    return {
        "id": f"{target}/providers/Microsoft.Insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {**destinations, "logs": logs, "metrics": []},
    }


def _group(name: str, enabled: bool = True) -> dict[str, Any]:
    return {"categoryGroup": name, "enabled": enabled}


def _category(name: str, enabled: bool = True) -> dict[str, Any]:
    return {"category": name, "enabled": enabled}


def _registry(name: str, public: str, connections: list[dict[str, Any]]) -> dict[str, Any]:
    registry = f"/subscriptions/{S1}/resourceGroups/rg-ml-prod/providers/{MLS}/registries/{name}"
    return {
        "id": registry,
        "name": name,
        "type": f"{MLS}/registries",
        "location": "eastus",
        "kind": "Registry",
        "properties": {
            "publicNetworkAccess": public,
            "discoveryUrl": f"https://eastus.api.azureml.ms/registrymanagement/v1.0/registries/{name}/discovery",
            "registryPrivateEndpointConnections": connections,
        },
    }


def _connection(registry: str, status: str) -> dict[str, Any]:
    network = f"/subscriptions/{S1}/resourceGroups/rg-network/providers/Microsoft.Network"
    pe = f"{network}/privateEndpoints/pe-{registry}"
    return {
        "id": f"pe-{registry}",
        "location": "eastus",
        "properties": {
            "groupIds": ["amlregistry"],
            "privateEndpoint": {"id": pe},
            "registryPrivateLinkServiceConnectionState": {"status": status},
        },
    }


def add_logging(files: dict[str, Any]) -> None:
    """Add the registries and diagnostic settings, and their kinds to S1's and S2's coverage."""
    ml_prod = f"/subscriptions/{S1}/resourceGroups/rg-ml-prod/providers/{MLS}/workspaces"
    vision = f"/subscriptions/{S1}/resourceGroups/rg-vision/providers/{MLS}/workspaces/mlw-vision"
    hub = f"/subscriptions/{S2}/resourceGroups/rg-ai-dev/providers/{MLS}/workspaces/hub-genai"
    shared, private = "reg-shared-models", "reg-approved-models"
    files["s1-ml-prod/ml-registries.json"] = {
        "value": [
            _registry(shared, "Enabled", [_connection(shared, "Pending")]),
            _registry(private, "Disabled", [_connection(private, "Approved")]),
        ]
    }
    registries = f"/subscriptions/{S1}/resourceGroups/rg-ml-prod/providers/{MLS}/registries"
    files["s1-ml-prod/diagnostic-settings.json"] = {
        "value": [
            # mlw-fraud has none (AML028 fails); mlw-vision's goes to the security workspace.
            _setting(vision, "to-sentinel", [_group("allLogs")], workspaceId=_LAW),
            _setting(
                f"{vision}/onlineEndpoints/vision-tagger",
                "traffic",
                [_category("AmlOnlineEndpointTrafficLog")],
                storageAccountId=_ARCHIVE,
            ),
            # A setting that logs nothing: only metrics were ever ticked.
            _setting(f"{ml_prod}/mlw-fraud/onlineEndpoints/fraud-score", "metrics-only", []),
            _setting(f"{registries}/{private}", "assets", [_group("audit")], workspaceId=_LAW),
        ]
    }
    files["s2-ai-dev/diagnostic-settings.json"] = {
        "value": [
            _setting(
                account_id(S2),
                "audit-to-sentinel",
                [_category("Audit"), _category("RequestResponse", enabled=False)],
                workspaceId=_LAW,
            ),
            # Request logs only: not the audit trail AIS019 asks for.
            _setting(
                f"/subscriptions/{S2}/resourceGroups/rg-ai-dev/providers/Microsoft.CognitiveServices/accounts/oai-dev",
                "requests",
                [_category("RequestResponse")],
                workspaceId=_LAW,
            ),
            _setting(hub, "audit-archive", [_group("audit")], storageAccountId=_ARCHIVE),
        ]
    }
    for entry in files["manifest.json"]["coverage"]:
        if entry["subscription_id"] in (S1, S2):
            entry["collected"] = [*entry["collected"], *KINDS]
