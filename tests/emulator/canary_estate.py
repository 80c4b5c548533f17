"""The canary estate: every planted secret of :mod:`tests.canaries`, in every field that can hold one.

One subscription, ``ROUNDS`` workspaces, and per workspace one compute of each type, an online
endpoint with a deployment, a v1 service, three connections (key-like credentials, CustomKeys,
the older ``value``), a serverless endpoint, plus AI Services accounts (an AI Foundry one per
round with an account connection and a project with a connection), custom roles, and the
storage account, registry and key vault each workspace names. Single-valued fields take
the canaries in turn, so each canary sits in several fields; maps (environment variables,
tags, connection ``credentials.keys``) hold every canary. Canaries no detector can recognise
(plain passwords) go only where the field or the name says "secret".
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from auditor.arm import type_from_id
from tests.canaries import Canary, generate

SUB = "e0e0e0e0-0000-4000-8000-00000000000e"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-canary"
WS = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces"
FOUNDRY = f"{RG}/providers/Microsoft.CognitiveServices/accounts"
ROUNDS = 6
CANARIES = generate()

# (record kind, dotted path, credential field?): the single-valued places a secret can sit.
SLOTS: tuple[tuple[str, str, bool], ...] = (
    ("workspace", "properties.description", False),
    ("workspace", "properties.friendlyName", False),
    ("workspace", "properties.keys.userStorageKey", True),
    ("workspace", "properties.keys.appInsightsInstrumentationKey", True),
    ("workspace", "properties.keys.containerRegistryCredentials.passwords.0.value", True),
    ("workspace", "keys.userStorageKey", True),
    ("workspace", "properties.notebookInfo.notebookPreparationError.errorMessage", False),
    ("aml", "properties.description", False),
    ("aml", "properties.properties.userAccountCredentials.adminUserPassword", True),
    ("aml", "properties.properties.userAccountCredentials.adminUserSshPrivateKey", True),
    ("aks", "properties.properties.sslConfiguration.key", True),
    ("aks", "properties.properties.sslConfiguration.cert", True),
    ("aks", "properties.properties.aksNetworkingConfiguration.dnsServiceIP", False),
    ("k8s", "properties.properties.relayConnectionString", True),
    ("k8s", "properties.properties.serviceBusConnectionString", True),
    ("ci", "properties.properties.setupScripts.scripts.creationScript.scriptArguments", False),
    ("ci", "properties.properties.personalComputeInstanceSettings.assignedUser.objectId", False),
    ("endpoint", "properties.description", False),
    ("endpoint", "properties.keys.primaryKey", True),
    ("endpoint", "properties.properties.note", False),
    ("deployment", "properties.description", False),
    ("deployment", "properties.properties.note", False),
    ("service", "properties.description", False),
    ("service", "properties.sslKey", True),
    ("service", "properties.sslCertificate", True),
    ("service", "properties.keys.primaryKey", True),
    ("service", "properties.kvTags.note", False),
    ("connection", "properties.credentials.key", True),
    ("connection", "properties.credentials.pat", True),
    ("connection", "properties.credentials.sas", True),
    ("connection", "properties.credentials.securityToken", True),
    ("connection", "properties.credentials.secretAccessKey", True),
    ("connection", "properties.credentials.developerToken", True),
    ("connection", "properties.credentials.refreshToken", True),
    ("connection", "properties.credentials.clientSecret", True),
    ("connection", "properties.credentials.password", True),
    ("connection", "properties.target", False),
    ("connection", "properties.metadata.note", False),
    ("legacy-connection", "properties.value", True),
    ("ai-connection", "properties.credentials.key", True),
    ("ai-connection", "properties.credentials.clientSecret", True),
    ("ai-connection", "properties.target", False),
    ("project-connection", "properties.credentials.sas", True),
    ("project-connection", "properties.credentials.password", True),
    ("project-connection", "properties.credentials.refreshToken", True),
    ("serverless", "properties.inferenceEndpoint.headers.api-key", True),
    ("serverless", "properties.primaryKey", True),
    ("serverless", "properties.description", False),
    ("account", "properties.apiProperties.qnaAzureSearchEndpointKey", True),
    ("account", "properties.apiProperties.qnaRuntimeEndpoint", False),
    ("role", "properties.description", False),
    ("assignment", "properties.description", False),
    # The dependencies a workspace names, as a service answering a GET or a Resource Graph row
    # with its listKeys / listCredentials shapes (neither is ever called) might.
    ("storage", "properties.keys.0.value", True),
    ("storage", "properties.primaryEndpoints.blob", False),
    ("registry", "properties.passwords.0.value", True),
    ("vault", "properties.accessPolicies.0.note", False),
)

_SECRET_NAMES = ("DB_PASSWORD", "API_KEY", "CLIENT_SECRET", "ACCESS_TOKEN", "CONNECTION_STRING")


def _set(record: dict[str, Any], dotted: str, value: Any) -> None:
    current: Any = record
    steps = dotted.split(".")
    for step, following in pairwise(steps):
        container: Any = [] if following.isdigit() else {}
        if isinstance(current, list):
            index = int(step)
            while len(current) <= index:
                current.append(container)
            current = current[index]
        else:
            current = current.setdefault(step, container)
    if isinstance(current, list):
        current.append(value)
    else:
        current[steps[-1]] = value


class _Dealer:
    """Hands out canaries in turn: any canary to a credential field, detectable ones elsewhere."""

    def __init__(self) -> None:
        self._any = 0
        self._detectable = 0
        self._visible = [c for c in CANARIES if c.detectable]
        self.planted: dict[int, list[str]] = {c.index: [] for c in CANARIES}

    def deal(self, credential: bool, where: str) -> str:
        if credential:
            canary = CANARIES[self._any % len(CANARIES)]
            self._any += 1
        else:
            canary = self._visible[self._detectable % len(self._visible)]
            self._detectable += 1
        self.planted[canary.index].append(where)
        return canary.value


def env_variables(canaries: list[Canary]) -> dict[str, str]:
    """Every canary under a secret name; every detectable one again under an innocent name."""
    variables = {"LOG_LEVEL": "info"}
    for canary in canaries:
        variables[f"{_SECRET_NAMES[canary.index % len(_SECRET_NAMES)]}_{canary.index:03d}"] = (
            canary.value
        )
        if canary.detectable:
            variables[f"SETTING_{canary.index:03d}"] = canary.value
    return variables


def tags(canaries: list[Canary]) -> dict[str, str]:
    """Every detectable canary as a tag value."""
    return {
        "owner": "canary-team",
        **{f"t{c.index:03d}": c.value for c in canaries if c.detectable},
    }


def _records(dealer: _Dealer) -> Iterator[dict[str, Any]]:
    yield {
        "id": f"/subscriptions/{SUB}",
        "subscriptionId": SUB,
        "displayName": "canary",
        "state": "Enabled",
    }
    for r in range(ROUNDS):
        ws = f"{WS}/ws-canary-{r}"
        links = {
            "storageAccount": f"{RG}/providers/Microsoft.Storage/storageAccounts/stcanary{r}",
            "containerRegistry": f"{RG}/providers/Microsoft.ContainerRegistry/registries/cr{r}",
            "keyVault": f"{RG}/providers/Microsoft.KeyVault/vaults/kv-canary-{r}",
        }
        built: dict[str, dict[str, Any]] = {
            "workspace": {
                "id": ws,
                "name": f"ws-canary-{r}",
                "type": "Microsoft.MachineLearningServices/workspaces",
                "location": "eastus",
                "tags": tags(CANARIES),
                "properties": {"publicNetworkAccess": "Disabled", **links},
            },
            **{
                kind: {
                    "id": links[link],
                    "name": links[link].rsplit("/", 1)[-1],
                    "type": type_from_id(links[link]),
                    "location": "eastus",
                    "tags": tags(CANARIES),
                    "properties": {"publicNetworkAccess": "Disabled"},
                }
                for kind, link in (
                    ("storage", "storageAccount"),
                    ("registry", "containerRegistry"),
                    ("vault", "keyVault"),
                )
            },
            "aml": _child(
                ws, "computes", f"cpu-{r}", {"computeType": "AmlCompute", "disableLocalAuth": True}
            ),
            "aks": _child(
                ws, "computes", f"aks-{r}", {"computeType": "AKS", "computeLocation": "eastus"}
            ),
            "k8s": _child(ws, "computes", f"k8s-{r}", {"computeType": "Kubernetes"}),
            "ci": _child(ws, "computes", f"ci-{r}", {"computeType": "ComputeInstance"}),
            "endpoint": _child(ws, "onlineEndpoints", f"ep-{r}", {"authMode": "AADToken"}),
            "deployment": _child(
                ws,
                f"onlineEndpoints/ep-{r}/deployments",
                "blue",
                {"endpointComputeType": "Managed", "environmentVariables": env_variables(CANARIES)},
                "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            ),
            "service": _child(
                ws,
                "services",
                f"svc-{r}",
                {
                    "computeType": "AKS",
                    "authEnabled": True,
                    "environmentImageRequest": {
                        "environment": {"environmentVariables": env_variables(CANARIES)}
                    },
                },
            ),
            "connection": _child(
                ws, "connections", f"keys-{r}", {"authType": "ApiKey", "category": "AzureOpenAI"}
            ),
            "custom-keys": _child(
                ws,
                "connections",
                f"custom-{r}",
                {
                    "authType": "CustomKeys",
                    "category": "CustomKeys",
                    "credentials": {"keys": {f"k{c.index:03d}": c.value for c in CANARIES}},
                },
            ),
            "legacy-connection": _child(
                ws, "connections", f"legacy-{r}", {"authType": "PAT", "category": "Git"}
            ),
            "account": {
                "id": f"{RG}/providers/Microsoft.CognitiveServices/accounts/ai-canary-{r}",
                "name": f"ai-canary-{r}",
                "type": "Microsoft.CognitiveServices/accounts",
                "location": "eastus",
                "kind": "OpenAI",
                "sku": {"name": "S0"},
                "tags": tags(CANARIES),
                "properties": {"disableLocalAuth": True, "publicNetworkAccess": "Disabled"},
            },
            "foundry": {
                "id": f"{FOUNDRY}/fdy-canary-{r}",
                "name": f"fdy-canary-{r}",
                "type": "Microsoft.CognitiveServices/accounts",
                "location": "eastus",
                "kind": "AIServices",
                "sku": {"name": "S0"},
                "properties": {"disableLocalAuth": True, "allowProjectManagement": True},
            },
            "ai-connection": _foundry_child(
                f"{FOUNDRY}/fdy-canary-{r}/connections/search-{r}",
                {"authType": "ApiKey", "category": "CognitiveSearch", "isSharedToAll": True},
            ),
            "project": _foundry_child(f"{FOUNDRY}/fdy-canary-{r}/projects/proj-{r}", {}),
            "project-connection": _foundry_child(
                f"{FOUNDRY}/fdy-canary-{r}/projects/proj-{r}/connections/blob-{r}",
                {
                    "authType": "UsernamePassword",
                    "category": "AzureBlob",
                    "credentials": {
                        "keys": {f"k{c.index:03d}": c.value for c in CANARIES},
                        "username": "canary",
                    },
                },
            ),
            "serverless": _child(ws, "serverlessEndpoints", f"maas-{r}", {"authMode": "Key"}),
            "role": {
                "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/e0000000-0000-4000-8000-0000000000{r:02d}",
                "name": f"e0000000-0000-4000-8000-0000000000{r:02d}",
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": f"canary role {r}",
                    "type": "CustomRole",
                    "permissions": [
                        {
                            "actions": ["Microsoft.MachineLearningServices/workspaces/read"],
                            "notActions": [],
                        }
                    ],
                    "assignableScopes": [f"/subscriptions/{SUB}"],
                },
            },
            "assignment": {
                "id": f"{RG}/providers/Microsoft.Authorization/roleAssignments/e1000000-0000-4000-8000-0000000000{r:02d}",
                "name": f"e1000000-0000-4000-8000-0000000000{r:02d}",
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                    "principalId": f"e2000000-0000-4000-8000-0000000000{r:02d}",
                    "principalType": "Group",
                    "scope": RG,
                },
            },
        }
        for kind, path, credential in SLOTS:
            _set(built[kind], path, dealer.deal(credential, f"{kind}.{path}"))
        yield from built.values()


def _child(
    ws: str, collection: str, name: str, properties: dict[str, Any], arm_type: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"{ws}/{collection}/{name}",
        "name": name,
        "type": arm_type or f"Microsoft.MachineLearningServices/workspaces/{collection}",
        "location": "eastus",
        "properties": properties,
    }


def _foundry_child(resource_id: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A record under an AI Services account; its type follows from its id."""
    return {
        "id": resource_id,
        "name": resource_id.rsplit("/", 1)[-1],
        "type": type_from_id(resource_id),
        "properties": properties,
    }


def build() -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """The records, and per canary index the single-valued fields it was planted in."""
    dealer = _Dealer()
    records = list(_records(dealer))
    return records, dealer.planted


FILES = {
    "Microsoft.MachineLearningServices/workspaces": "workspaces.json",
    "Microsoft.MachineLearningServices/workspaces/computes": "computes.json",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints": "online-endpoints.json",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments": "deployments.json",
    "Microsoft.MachineLearningServices/workspaces/services": "services.json",
    "Microsoft.MachineLearningServices/workspaces/connections": "connections.json",
    "Microsoft.CognitiveServices/accounts": "ai-accounts.json",
    "Microsoft.CognitiveServices/accounts/connections": "ai-account-connections.json",
    "Microsoft.CognitiveServices/accounts/projects": "ai-projects.json",
    "Microsoft.CognitiveServices/accounts/projects/connections": "ai-project-connections.json",
    "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints": "serverless-endpoints.json",
    "Microsoft.Authorization/roleDefinitions": "role-definitions.json",
    "Microsoft.Authorization/roleAssignments": "role-assignments.json",
    "Microsoft.Storage/storageAccounts": "storage-accounts.json",
    "Microsoft.ContainerRegistry/registries": "container-registries.json",
    "Microsoft.KeyVault/vaults": "key-vaults.json",
}
"""Snapshot file per type, as ``auditor collect`` names them."""


def snapshot_files(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The records as ``{"value": [...]}`` list files, one per kind."""
    files: dict[str, dict[str, Any]] = {"subscriptions.json": {"value": []}}
    for record in records:
        name = FILES.get(str(record.get("type")), "subscriptions.json")
        files.setdefault(name, {"value": []})["value"].append(record)
    return files
