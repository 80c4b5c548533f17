"""azurerm resources of the AI Foundry estate, mapped to the ARM JSON they deploy.

Attribute names and defaults are the azurerm provider's (``website/docs/r/*.html.markdown``
at ``hashicorp/terraform-provider-azurerm`` 69697b7f, v5.2.0; ``azurerm_ai_services`` from
the 4.x doc it had before 5.0 removed it); ``docs/azure-facts.md`` "Foundry in templates"
has the table. A default the provider documents is applied when the plan leaves the
attribute out (``version_upgrade_option`` -> ``OnceNewDefaultVersionAvailable``). A
property azurerm cannot set and whose service default is not documented
(``isSharedToAll``) becomes an unresolved marker, so a rule reading it is ``unknown``, never
a pass; a property azurerm cannot set and the deployed resource therefore lacks
(``expiryTime``, a model ``publisher``) is simply absent, as ARM would return it.
Connection credentials (``api_key``, ``account_key``, ``custom_keys``) are never read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.tfmapper import (
    AI_ACCOUNT_PATH,
    ML_WORKSPACE_PATH,
    Mapper,
    blocks,
    enabled,
    first_block,
    identity,
    name_of,
    negate,
    workspace_record,
)
from auditor.collect.templates.tfplan import PlannedResource
from auditor.unresolved import unresolved

Builder = Callable[[PlannedResource, Mapper], dict[str, Any]]

DEFAULT_VERSION_UPGRADE_OPTION = "OnceNewDefaultVersionAvailable"
"""azurerm ``azurerm_cognitive_deployment.version_upgrade_option``: "Defaults to
`OnceNewDefaultVersionAvailable`" (the ARM spec states no default)."""

CONNECTION_AUTH_TYPES = {
    "azurerm_cognitive_account_connection_api_key": "ApiKey",
    "azurerm_cognitive_account_connection_account_key": "AccountKey",
    "azurerm_cognitive_account_connection_custom_keys": "CustomKeys",
    "azurerm_cognitive_account_connection_account_managed_identity": "AccountManagedIdentity",
    "azurerm_cognitive_account_connection_entra_id": "AAD",
}
"""The resource type encodes ``authType`` (each sets it in its create function)."""

PARENT_PATHS = {
    "azurerm_cognitive_account": AI_ACCOUNT_PATH,
    "azurerm_ai_services": AI_ACCOUNT_PATH,
    "azurerm_ai_foundry": ML_WORKSPACE_PATH,
}
"""Types other resources of the plan name as their parent (``cognitive_account_id``)."""


def _account(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    """``azurerm_cognitive_account`` and the 4.x ``azurerm_ai_services`` (other names)."""
    v = r.values
    ai_services = r.tf_type == "azurerm_ai_services"
    record: dict[str, Any] = {
        "id": m.base_id(v, AI_ACCOUNT_PATH),
        "type": arm.AI_ACCOUNT,
        "name": name_of(v),
        "location": v.get("location"),
        "kind": "AIServices" if ai_services else v.get("kind"),
    }
    m.put(record, "sku.name", v.get("sku_name"), "sku_name")
    local_auth = "local_authentication_enabled" if ai_services else "local_auth_enabled"
    m.put(record, "properties.disableLocalAuth", negate(v.get(local_auth, True)), local_auth)
    if ai_services:  # a string there, a boolean on azurerm_cognitive_account
        public, public_value = "public_network_access", v.get("public_network_access", "Enabled")
    else:
        public = "public_network_access_enabled"
        public_value = enabled(v.get(public, True))
    m.put(record, "properties.publicNetworkAccess", public_value, public)
    acls = first_block(v, "network_acls")
    if acls is not None:
        for key, attribute in (("defaultAction", "default_action"), ("bypass", "bypass")):
            m.put(record, f"properties.networkAcls.{key}", acls.get(attribute), "network_acls")
    for path, attribute in (
        ("properties.customSubDomainName", "custom_subdomain_name"),
        ("properties.restrictOutboundNetworkAccess", "outbound_network_access_restricted"),
        ("properties.allowedFqdnList", "fqdns"),
    ):
        m.put(record, path, v.get(attribute), attribute)
    if not ai_services:
        m.put(
            record,
            "properties.allowProjectManagement",
            v.get("project_management_enabled", False),
            "project_management_enabled",
        )
        injections = blocks(v, "network_injection")
        if injections == []:
            injections = None  # no block: ARM returns no networkInjections
        if isinstance(injections, list):
            injections = [
                {"scenario": b.get("scenario"), "subnetArmId": b.get("subnet_id")}
                for b in injections
            ]
        m.put(record, "properties.networkInjections", injections, "network_injection")
    cmk = first_block(v, "customer_managed_key")
    if cmk is not None:
        m.put(
            record,
            "properties.encryption",
            {
                "keySource": "Microsoft.KeyVault",
                "keyVaultProperties": {
                    "keyIdentifier": cmk.get("key_vault_key_id"),
                    "identityClientId": cmk.get("identity_client_id"),
                },
            },
            "customer_managed_key",
        )
    m.put(record, "identity", identity(v), "identity")
    return record


def _child(r: PlannedResource, m: Mapper, arm_type: str, segment: str) -> dict[str, Any]:
    """A child of an AI Services account (``cognitive_account_id``), named by ``name``."""
    name = name_of(r.values)
    parent = m.parent_id(r, "cognitive_account_id", AI_ACCOUNT_PATH)
    return {"id": f"{parent}/{segment}/{name}", "type": arm_type, "name": name}


def _deployment(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _child(r, m, arm.AI_DEPLOYMENT, "deployments")
    # azurerm 3.x wrote the SKU as `scale { type }`; 4.0 replaced it with `sku { name }`.
    sku, sku_attribute, name_key = first_block(v, "sku"), "sku", "name"
    if sku is None and first_block(v, "scale") is not None:
        sku, sku_attribute, name_key = first_block(v, "scale"), "scale", "type"
    if sku is not None:
        m.put(record, "sku.name", sku.get(name_key), sku_attribute)
        for key in ("tier", "size", "family", "capacity"):
            m.put(record, f"sku.{key}", sku.get(key), sku_attribute)
    model = first_block(v, "model")
    if model is not None:  # azurerm has no `publisher` or `source`: they stay absent
        for key in ("format", "name", "version"):
            m.put(record, f"properties.model.{key}", model.get(key), "model")
    m.put(record, "properties.raiPolicyName", v.get("rai_policy_name"), "rai_policy_name")
    m.put(
        record,
        "properties.versionUpgradeOption",
        v.get("version_upgrade_option", DEFAULT_VERSION_UPGRADE_OPTION),
        "version_upgrade_option",
    )
    m.put(
        record,
        "properties.dynamicThrottlingEnabled",
        v.get("dynamic_throttling_enabled"),
        "dynamic_throttling_enabled",
    )
    return record


def _rai_policy(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _child(r, m, arm.RAI_POLICY, "raiPolicies")
    # Every policy azurerm creates is the user's; the service marks built-in ones SystemManaged.
    m.put(record, "properties.type", "UserManaged", "name")
    m.put(record, "properties.basePolicyName", v.get("base_policy_name"), "base_policy_name")
    m.put(record, "properties.mode", v.get("mode"), "mode")
    filters = blocks(v, "content_filter")
    if isinstance(filters, list):
        filters = [
            {
                key: value
                for key, value in (
                    ("name", f.get("name")),
                    ("enabled", f.get("filter_enabled")),
                    ("blocking", f.get("block_enabled")),
                    ("severityThreshold", f.get("severity_threshold")),
                    ("source", f.get("source")),
                )
                if value is not None
            }
            for f in filters
        ]
    m.put(record, "properties.contentFilters", filters, "content_filter")
    return record


def _project(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _child(r, m, arm.AI_PROJECT, "projects")
    m.put(record, "location", v.get("location"), "location")
    m.put(record, "properties.displayName", v.get("display_name"), "display_name")
    m.put(record, "properties.description", v.get("description"), "description")
    m.put(record, "identity", identity(v), "identity")
    return record


def _connection(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = _child(r, m, arm.AI_ACCOUNT_CONNECTION, "connections")
    m.put(record, "properties.authType", CONNECTION_AUTH_TYPES[r.tf_type], "name")
    m.put(record, "properties.category", v.get("category"), "category")
    m.put(record, "properties.target", v.get("target"), "target")
    m.put(
        record,
        "properties.isSharedToAll",
        unresolved(
            f"{r.address}: isSharedToAll",
            "azurerm has no argument for it; the service's default applies, which the "
            "spec does not state",
        ),
        "name",
    )
    return record


def _hub(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    """``azurerm_ai_foundry``: an ML workspace of kind Hub (not a Cognitive Services account)."""
    v = r.values
    record = workspace_record(r, m, "Hub", "high_business_impact_enabled")
    m.put(
        record,
        "properties.publicNetworkAccess",
        v.get("public_network_access", "Enabled"),  # a string here, unlike the ML workspace
        "public_network_access",
    )
    for path, attribute in (
        ("properties.friendlyName", "friendly_name"),
        ("properties.storageAccount", "storage_account_id"),
        ("properties.keyVault", "key_vault_id"),
        ("properties.containerRegistry", "container_registry_id"),
        ("properties.applicationInsights", "application_insights_id"),
    ):
        m.put(record, path, v.get(attribute), attribute)
    return record


def _hub_project(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    """``azurerm_ai_foundry_project``: an ML workspace of kind Project; its network is its
    hub's (``ai_services_hub_id`` -> ``properties.hubResourceId``), so none is set here."""
    record = workspace_record(r, m, "Project", "high_business_impact_enabled")
    m.put(
        record,
        "properties.hubResourceId",
        m.parent_id(r, "ai_services_hub_id", ML_WORKSPACE_PATH),
        "ai_services_hub_id",
    )
    m.put(record, "properties.friendlyName", r.values.get("friendly_name"), "friendly_name")
    return record


MAPPERS: Mapping[str, Builder] = {
    "azurerm_cognitive_account": _account,
    "azurerm_ai_services": _account,
    "azurerm_cognitive_deployment": _deployment,
    "azurerm_cognitive_account_rai_policy": _rai_policy,
    "azurerm_cognitive_account_project": _project,
    **dict.fromkeys(CONNECTION_AUTH_TYPES, _connection),
    "azurerm_ai_foundry": _hub,
    "azurerm_ai_foundry_project": _hub_project,
}
"""The Foundry-estate azurerm types read from a plan."""
