"""The workspaces of the dependencies part as ARM serves them (subscription A, ``rg-deps``).

``ws-deps`` is private and names a storage account with shared-key access left on (AML031
fails), a registry without admin user (AML032 passes) and a purge-protected private vault
(AML033 passes); ``ws-deps-twin`` is public and names the same storage account and vault, so
they are read once. Its datastores: one that holds an account key (AML034 fails: its
``credentials.secrets`` carries a canary that must never be kept) and one identity-based.
"""

from __future__ import annotations

from typing import Any

from tests.canaries import generate

SUB = "a0a0a0a0-0000-4000-8000-00000000000a"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-deps"
MLS = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces"
STORAGE = f"{RG}/providers/Microsoft.Storage/storageAccounts/stdeps"
REGISTRY = f"{RG}/providers/Microsoft.ContainerRegistry/registries/crdeps"
VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-deps"
WORKSPACE = f"{MLS}/ws-deps"
TWIN = f"{MLS}/ws-deps-twin"
SECRET = next(c for c in generate() if c.detectable).value
"""The account key the key-based datastore answers with (ARM does not, but nothing may keep it)."""


def _resource(resource_id: str, arm_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": resource_id,
        "name": resource_id.rsplit("/", 1)[-1],
        "type": arm_type,
        "location": "swedencentral",
        "properties": properties,
    }


def records() -> list[dict[str, Any]]:
    """Every record of this estate, as the list and GET responses carry them."""
    links = {"storageAccount": STORAGE, "keyVault": VAULT}
    workspace = "Microsoft.MachineLearningServices/workspaces"
    datastore = "Microsoft.MachineLearningServices/workspaces/datastores"
    return [
        _resource(
            WORKSPACE,
            workspace,
            {
                **links,
                "containerRegistry": REGISTRY,
                "publicNetworkAccess": "Disabled",
                "systemDatastoresAuthMode": "Identity",
            },
        )
        | {"kind": "Default"},
        _resource(
            TWIN,
            workspace,
            {**links, "publicNetworkAccess": "Enabled", "systemDatastoresAuthMode": "AccessKey"},
        )
        | {"kind": "Default"},
        _resource(
            STORAGE,
            "Microsoft.Storage/storageAccounts",
            {"allowBlobPublicAccess": False, "publicNetworkAccess": "Disabled"},
        ),
        _resource(
            REGISTRY,
            "Microsoft.ContainerRegistry/registries",
            {"adminUserEnabled": False, "anonymousPullEnabled": False},
        ),
        _resource(
            VAULT,
            "Microsoft.KeyVault/vaults",
            {
                "enablePurgeProtection": True,
                "enableSoftDelete": True,
                "publicNetworkAccess": "Disabled",
            },
        ),
        _resource(
            f"{WORKSPACE}/datastores/workspaceblobstore",
            datastore,
            {
                "datastoreType": "AzureBlob",
                "accountName": "stdeps",
                "containerName": "azureml",
                "isDefault": True,
                "credentials": {
                    "credentialsType": "AccountKey",
                    "secrets": {"secretsType": "AccountKey", "key": SECRET},
                },
            },
        ),
        _resource(
            f"{WORKSPACE}/datastores/training",
            datastore,
            {
                "datastoreType": "AzureDataLakeGen2",
                "accountName": "stdeps",
                "filesystem": "training",
                "credentials": {"credentialsType": "None"},
            },
        ),
    ]
