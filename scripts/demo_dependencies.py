"""The dependencies part of the demo estate: the storage accounts, container registries and key
vaults the ML workspaces name, and the workspaces' datastores.

``mlw-fraud`` (public) names the Resource Graph export's storage account ``stfraudfeat``
(shared-key access left at its default: AML031 fails), a registry with its admin user on
(AML032), a vault without purge protection (AML033), key-based system datastores (AML035) and
an account-key datastore (AML034); the private ``mlw-vision`` names locked-down twins of each.
The AI dev subscription's hub names a locked-down storage account and vault and no registry
(AML032 not applicable). Called by scripts/make_demo.py.
"""

from __future__ import annotations

from typing import Any

S1 = "11111111-1111-4111-8111-111111111111"
S2 = "22222222-2222-4222-8222-222222222222"
MLS = "Microsoft.MachineLearningServices"
DEPENDENCY_KINDS = ("dependencies", "datastores")
"""Data kinds this part adds to the coverage of the subscriptions holding workspaces."""


def _rg(sub: str, group: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}"


def _record(
    resource_id: str, arm_type: str, properties: dict[str, Any], **top: Any
) -> dict[str, Any]:
    return {
        "id": resource_id,
        "name": resource_id.rsplit("/", 1)[-1],
        "type": arm_type,
        "location": "eastus",
        **top,
        "properties": properties,
    }


def _datastore(workspace: str, name: str, credentials: str, default: bool) -> dict[str, Any]:
    return _record(
        f"{workspace}/datastores/{name}",
        f"{MLS}/workspaces/datastores",
        {
            "datastoreType": "AzureBlob",
            "credentials": {"credentialsType": credentials},
            "isDefault": default,
            "accountName": name.replace("-", ""),
            "containerName": "data",
        },
    )


def add_dependencies(files: dict[str, Any]) -> None:
    """Point the demo's workspaces at their dependencies and add those records."""
    prod, vision = _rg(S1, "rg-ml-prod"), _rg(S1, "rg-vision")
    storage, registry, vault = (
        "Microsoft.Storage/storageAccounts",
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.KeyVault/vaults",
    )
    links = {
        "mlw-fraud": {
            "storageAccount": f"{prod}/providers/{storage}/stfraudfeat",
            "containerRegistry": f"{prod}/providers/{registry}/crfraud",
            "keyVault": f"{prod}/providers/{vault}/kv-fraud",
            "systemDatastoresAuthMode": "accessKey",
        },
        "mlw-vision": {
            "storageAccount": f"{vision}/providers/{storage}/stvision",
            "containerRegistry": f"{vision}/providers/{registry}/crvision",
            "keyVault": f"{vision}/providers/{vault}/kv-vision",
            "systemDatastoresAuthMode": "identity",
        },
    }
    for workspace in files["s1-ml-prod/workspaces.json"]["value"]:
        workspace["properties"].update(links.get(workspace["name"], {}))
    hub_group = _rg(S2, "rg-ai-dev")
    hub_links = {
        "storageAccount": f"{hub_group}/providers/{storage}/stgenaihub",
        "keyVault": f"{hub_group}/providers/{vault}/kv-genai-hub",
        "systemDatastoresAuthMode": "Identity",
    }
    files["s2-ai-dev/workspaces.json"]["properties"].update(hub_links)
    locked_storage = {
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": False,
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
    }
    files["s2-ai-dev/storage-accounts.json"] = {
        "value": [_record(hub_links["storageAccount"], storage, locked_storage, kind="StorageV2")]
    }
    files["s2-ai-dev/key-vaults.json"] = {
        "value": [
            _record(
                hub_links["keyVault"],
                vault,
                {"enableSoftDelete": True, "enablePurgeProtection": True},
            )
        ]
    }
    files["s1-ml-prod/container-registries.json"] = {
        "value": [
            _record(
                links["mlw-fraud"]["containerRegistry"],
                registry,
                {"adminUserEnabled": True, "loginServer": "crfraud.azurecr.io"},
                sku={"name": "Standard"},
            ),
            _record(
                links["mlw-vision"]["containerRegistry"],
                registry,
                {
                    "adminUserEnabled": False,
                    "anonymousPullEnabled": False,
                    "publicNetworkAccess": "Disabled",
                    "loginServer": "crvision.azurecr.io",
                },
                sku={"name": "Premium"},
            ),
        ]
    }
    files["s1-ml-prod/key-vaults.json"] = {
        "value": [
            _record(
                links["mlw-fraud"]["keyVault"],
                vault,
                {"enableSoftDelete": True, "enableRbacAuthorization": True},
            ),
            _record(
                links["mlw-vision"]["keyVault"],
                vault,
                {
                    "enableSoftDelete": True,
                    "enablePurgeProtection": True,
                    "enableRbacAuthorization": True,
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
                },
            ),
        ]
    }
    files["s1-ml-prod/storage-accounts.json"] = {
        "value": [
            _record(
                links["mlw-vision"]["storageAccount"],
                storage,
                locked_storage,
                kind="StorageV2",
            )
        ]
    }
    fraud = f"{prod}/providers/{MLS}/workspaces/mlw-fraud"
    files["s1-ml-prod/datastores.json"] = {
        "value": [
            _datastore(fraud, "workspaceblobstore", "AccountKey", True),
            _datastore(fraud, "feature-lake", "None", False),
            _datastore(
                f"{vision}/providers/{MLS}/workspaces/mlw-vision",
                "workspaceblobstore",
                "None",
                True,
            ),
        ]
    }
    for coverage in files["manifest.json"]["coverage"]:
        if coverage["subscription_id"] in (S1, S2):
            coverage["collected"] += list(DEPENDENCY_KINDS)
