"""``azurerm_monitor_diagnostic_setting``, mapped to the diagnostic setting it deploys.

Attribute names are the azurerm provider's (``website/docs/r/monitor_diagnostic_setting.
html.markdown`` at ``hashicorp/terraform-provider-azurerm`` 69697b7f, v5.2.0, and the 4.x doc
before it): ``target_resource_id`` names the resource logged, so the setting's id is that id
followed by ``/providers/Microsoft.Insights/diagnosticSettings/{name}``, as ARM's. 5.x writes
``enabled_log { category | category_group }`` (a block present is enabled); 4.x and 3.x wrote
``log { category, category_group, enabled (default true) }``: both are read. Destinations:
``log_analytics_workspace_id``, ``storage_account_id``, ``eventhub_authorization_rule_id``
(with ``eventhub_name``) and ``partner_solution_id`` (ARM's ``marketplacePartnerId``). A
destination known only after apply stays an unresolved marker, so the rule is unknown, never a
pass. No ML registry resource exists in azurerm (registries are ARM/Bicep only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.tfmapper import ML_WORKSPACE_PATH, Mapper, blocks, name_of
from auditor.collect.templates.tfplan import PlannedResource

DESTINATIONS = {
    "log_analytics_workspace_id": "properties.workspaceId",
    "storage_account_id": "properties.storageAccountId",
    "eventhub_authorization_rule_id": "properties.eventHubAuthorizationRuleId",
    "eventhub_name": "properties.eventHubName",
    "partner_solution_id": "properties.marketplacePartnerId",
}
"""azurerm attribute -> ARM property."""


def _logs(values: Mapping[str, Any]) -> tuple[Any, str]:
    """The ARM ``logs`` array and the attribute it came from (``enabled_log`` or ``log``)."""
    for attribute, always_enabled in (("enabled_log", True), ("log", False)):
        found = blocks(values, attribute)
        if not isinstance(found, list):
            if found is not None:
                return found, attribute  # an unresolved marker stays one
            continue
        logs = []
        for block in found:
            names = (("category", "category"), ("categoryGroup", "category_group"))
            entry = {k: block[tf] for k, tf in names if block.get(tf) not in (None, "")}
            entry["enabled"] = True if always_enabled else block.get("enabled", True)
            logs.append(entry)
        if logs:
            return logs, attribute
    return [], "enabled_log"


def _diagnostic_setting(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    target = m.parent_id(
        r, "target_resource_id", "Microsoft.Resources/targetResource", any_type=True
    )
    name = name_of(v)
    record: dict[str, Any] = {
        "id": f"{target.rstrip('/')}/providers/{arm.DIAGNOSTIC_SETTING}/{name}",
        "type": arm.DIAGNOSTIC_SETTING,
        "name": name,
    }
    for attribute, path in DESTINATIONS.items():
        m.put(record, path, v.get(attribute) or None, attribute)
    logs, attribute = _logs(v)
    m.put(record, "properties.logs", logs, attribute)
    return record


MAPPERS: Mapping[str, Callable[[PlannedResource, Mapper], dict[str, Any]]] = {
    "azurerm_monitor_diagnostic_setting": _diagnostic_setting,
}
"""The logging azurerm types read from a plan."""

PARENT_PATHS = {"azurerm_ai_foundry_project": ML_WORKSPACE_PATH}
"""A Foundry project is a workspace a diagnostic setting's ``target_resource_id`` may name
(accounts, hubs and workspaces are parents already)."""
