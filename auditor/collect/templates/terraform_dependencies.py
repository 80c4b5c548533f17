"""azurerm resources a workspace depends on (storage account, container registry, key vault)
and its datastores, mapped to the ARM JSON they deploy.

Attribute names and defaults are the azurerm provider's (``website/docs/r/*.html.markdown``
at ``hashicorp/terraform-provider-azurerm`` 69697b7f, v5.2.0; 4.x names accepted where 5.x
renamed them); ``docs/azure-facts.md`` "Workspace dependencies and datastores" has the table.
A default the provider documents is applied when the plan leaves the attribute out
(``shared_access_key_enabled`` -> true, ``purge_protection_enabled`` -> false). A datastore's
credential (``account_key``, ``shared_access_signature``, ``client_secret``) is never read:
whether it is set decides ``credentials.credentialsType``, and nothing else is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.tfmapper import (
    ML_WORKSPACE_PATH,
    Mapper,
    enabled,
    first_block,
    name_of,
)
from auditor.collect.templates.tfplan import PlannedResource

Builder = Callable[[PlannedResource, Mapper], dict[str, Any]]

PARENT_PATHS = {
    "azurerm_storage_account": arm.STORAGE_ACCOUNT,
    "azurerm_container_registry": arm.CONTAINER_REGISTRY,
    "azurerm_key_vault": arm.KEY_VAULT,
}
"""Types a workspace of the plan names by id (``storage_account_id``...)."""


def _base(r: PlannedResource, m: Mapper, arm_type: str) -> dict[str, Any]:
    v = r.values
    return {
        "id": m.base_id(v, arm_type),
        "type": arm_type,
        "name": name_of(v),
        "location": v.get("location"),
    }


def _network(m: Mapper, record: dict[str, Any], values: Any, path: str, block: str) -> None:
    """``public_network_access_enabled`` (default true) and the firewall's default action."""
    m.put(
        record,
        "properties.publicNetworkAccess",
        enabled(values.get("public_network_access_enabled", True)),
        "public_network_access_enabled",
    )
    rules = first_block(values, block)
    if rules is not None:
        m.put(record, path, rules.get("default_action"), block)


def _storage_account(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _base(r, m, arm.STORAGE_ACCOUNT)
    m.put(
        record,
        "properties.allowBlobPublicAccess",
        v.get("allow_nested_items_to_be_public", False),
        "allow_nested_items_to_be_public",
    )
    m.put(
        record,
        "properties.allowSharedKeyAccess",
        v.get("shared_access_key_enabled", True),
        "shared_access_key_enabled",
    )
    _network(m, record, v, "properties.networkAcls.defaultAction", "network_rules")
    return record


def _container_registry(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _base(r, m, arm.CONTAINER_REGISTRY)
    m.put(record, "sku.name", v.get("sku"), "sku")
    m.put(record, "properties.adminUserEnabled", v.get("admin_enabled", False), "admin_enabled")
    m.put(
        record,
        "properties.anonymousPullEnabled",
        v.get("anonymous_pull_enabled", False),
        "anonymous_pull_enabled",
    )
    _network(m, record, v, "properties.networkRuleSet.defaultAction", "network_rule_set")
    return record


def _key_vault(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _base(r, m, arm.KEY_VAULT)
    m.put(
        record,
        "properties.enablePurgeProtection",
        v.get("purge_protection_enabled", False),
        "purge_protection_enabled",
    )
    m.put(
        record,
        "properties.softDeleteRetentionInDays",
        v.get("soft_delete_retention_days"),
        "soft_delete_retention_days",
    )
    rbac = "rbac_authorization_enabled" if "rbac_authorization_enabled" in v else None
    rbac = rbac or "enable_rbac_authorization"  # the 4.x name
    m.put(record, "properties.enableRbacAuthorization", v.get(rbac), rbac)
    _network(m, record, v, "properties.networkAcls.defaultAction", "network_acls")
    return record


def _datastore(datastore_type: str, secrets: tuple[tuple[str, str], ...]) -> Builder:
    """A datastore resource whose credential kind is the first of ``secrets`` set, else None."""

    def build(r: PlannedResource, m: Mapper) -> dict[str, Any]:
        v = r.values
        name = name_of(v)
        workspace = m.parent_id(r, "workspace_id", ML_WORKSPACE_PATH)
        record: dict[str, Any] = {
            "id": f"{workspace}/datastores/{name}",
            "type": arm.DATASTORE,
            "name": name,
        }
        m.put(record, "properties.datastoreType", datastore_type, "name")
        kind, attribute = next(
            ((k, a) for a, k in secrets if v.get(a) is not None), ("None", "name")
        )
        m.put(record, "properties.credentials.credentialsType", kind, attribute)
        identity = v.get("service_data_auth_identity", v.get("service_data_identity"))
        m.put(record, "properties.serviceDataAccessAuthIdentity", identity, "service_data_identity")
        m.put(record, "properties.description", v.get("description"), "description")
        return record

    return build


_STORAGE_SECRETS = (("account_key", "AccountKey"), ("shared_access_signature", "Sas"))

MAPPERS: Mapping[str, Builder] = {
    "azurerm_storage_account": _storage_account,
    "azurerm_container_registry": _container_registry,
    "azurerm_key_vault": _key_vault,
    "azurerm_machine_learning_datastore_blobstorage": _datastore("AzureBlob", _STORAGE_SECRETS),
    "azurerm_machine_learning_datastore_fileshare": _datastore("AzureFile", _STORAGE_SECRETS),
    "azurerm_machine_learning_datastore_datalake_gen2": _datastore(
        "AzureDataLakeGen2", (("client_secret", "ServicePrincipal"),)
    ),
}
"""The dependency and datastore azurerm types read from a plan."""
