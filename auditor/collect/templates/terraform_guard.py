"""azurerm resources of the guard rails, mapped to the ARM JSON they deploy: the subscription's
Defender for Cloud plan, a workspace's managed network outbound rules, and a network security
perimeter association of an AI account.

Attribute names and defaults are the azurerm provider's (``website/docs/r/*.html.markdown`` at
``hashicorp/terraform-provider-azurerm`` 69697b7f, v5.2.0); ``docs/azure-facts.md`` "Threat
protection and network guard rails" has the table.

- ``azurerm_security_center_subscription_pricing``: ``resource_type`` defaults to
  ``VirtualMachines`` (not ``AI``), so a block without it is the servers plan; each
  ``extension {}`` block is an enabled extension (azurerm sends ``isEnabled: True`` for the
  blocks it is given).
- ``azurerm_machine_learning_workspace_network_outbound_rule_{fqdn,service_tag,private_endpoint}``:
  rules azurerm creates are the user's (``category: UserDefined``); a service tag rule allows.
- ``azurerm_network_security_perimeter_association``: the association as the associated AI
  account reports it (``accounts/networkSecurityPerimeterConfigurations``); an association of
  any other resource is not audited.
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
    name_of,
)
from auditor.collect.templates.tfplan import PlannedResource

Builder = Callable[[PlannedResource, Mapper], dict[str, Any]]

DEFAULT_PRICING_RESOURCE_TYPE = "VirtualMachines"
"""azurerm ``resource_type``: "Defaults to `VirtualMachines`"."""

_ASSOCIATION = "Microsoft.Network/networkSecurityPerimeters/resourceAssociations"


def _pricing(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    plan = v.get("resource_type", DEFAULT_PRICING_RESOURCE_TYPE)
    name = plan if isinstance(plan, str) else "unnamed"
    record: dict[str, Any] = {
        "id": f"/subscriptions/{m.context.subscription_id}/providers/{arm.DEFENDER_PLAN}/{name}",
        "type": arm.DEFENDER_PLAN,
        "name": name,
    }
    m.put(record, "properties.pricingTier", v.get("tier"), "tier")
    m.put(record, "properties.subPlan", v.get("subplan"), "subplan")
    extensions = blocks(v, "extension")
    if isinstance(extensions, list):
        extensions = [{"name": e.get("name"), "isEnabled": "True"} for e in extensions]
    m.put(record, "properties.extensions", extensions, "extension")
    return record


def _outbound_rule(kind: str) -> Builder:
    def build(r: PlannedResource, m: Mapper) -> dict[str, Any]:
        v = r.values
        name = name_of(v)
        workspace = m.parent_id(r, "workspace_id", ML_WORKSPACE_PATH)
        record: dict[str, Any] = {
            "id": f"{workspace}/outboundRules/{name}",
            "type": arm.OUTBOUND_RULE,
            "name": name,
            "properties": {"type": kind, "category": "UserDefined"},
        }
        if kind == "FQDN":
            m.put(record, "properties.destination", v.get("destination_fqdn"), "destination_fqdn")
            return record
        pairs: tuple[tuple[str, str], ...]
        if kind == "ServiceTag":
            record["properties"]["destination"] = {"action": "Allow"}
            pairs = (
                ("serviceTag", "service_tag"),
                ("protocol", "protocol"),
                ("portRanges", "port_ranges"),
            )
        else:
            pairs = (
                ("serviceResourceId", "service_resource_id"),
                ("subresourceTarget", "sub_resource_target"),
                ("sparkEnabled", "spark_enabled"),
            )
        for key, attribute in pairs:
            m.put(record, f"properties.destination.{key}", v.get(attribute), attribute)
        return record

    return build


def _is_account(resource: PlannedResource, m: Mapper) -> bool:
    """Whether ``resource_id`` names an AI Services account (planned, or by reference)."""
    known = resource.values.get("resource_id")
    if isinstance(known, str):
        return f"/providers/{AI_ACCOUNT_PATH}/".lower() in known.lower()
    for ref in resource.references.get("resource_id", []):
        address = ref[: -len(".id")] if ref.endswith(".id") else ref
        if f"/providers/{AI_ACCOUNT_PATH}/".lower() in m.ids.get(address, "").lower():
            return True
    return False


def _association(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    name = name_of(v)
    if not _is_account(r, m):
        return {"id": m.base_id(v, _ASSOCIATION), "type": _ASSOCIATION, "name": name}
    account = m.parent_id(r, "resource_id", AI_ACCOUNT_PATH)
    record: dict[str, Any] = {
        "id": f"{account}/networkSecurityPerimeterConfigurations/{name}",
        "type": arm.NSP_CONFIGURATION,
        "name": name,
    }
    m.put(record, "properties.resourceAssociation.name", name, "name")
    m.put(record, "properties.resourceAssociation.accessMode", v.get("access_mode"), "access_mode")
    profile = v.get("network_security_perimeter_profile_id")
    if isinstance(profile, str) and "/profiles/" in profile.lower():
        cut = profile.lower().rindex("/profiles/")
        m.put(
            record,
            "properties.networkSecurityPerimeter.id",
            profile[:cut],
            "network_security_perimeter_profile_id",
        )
        m.put(
            record,
            "properties.profile.name",
            profile[cut + len("/profiles/") :],
            "network_security_perimeter_profile_id",
        )
    return record


MAPPERS: Mapping[str, Builder] = {
    "azurerm_security_center_subscription_pricing": _pricing,
    "azurerm_machine_learning_workspace_network_outbound_rule_fqdn": _outbound_rule("FQDN"),
    "azurerm_machine_learning_workspace_network_outbound_rule_service_tag": _outbound_rule(
        "ServiceTag"
    ),
    "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint": _outbound_rule(
        "PrivateEndpoint"
    ),
    "azurerm_network_security_perimeter_association": _association,
}
"""The guard-rail azurerm types read from a plan."""
