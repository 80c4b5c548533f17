"""What every azurerm-to-ARM mapping shares: the mapper that records which Terraform
attribute fed which ARM property (for the finding's line), parent ids, and value helpers.

The mapping tables are :mod:`.terraform` (ML workspaces, computes, role assignments) and
:mod:`.terraform_foundry` (AI Services accounts and what hangs off them, AI Foundry hubs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.tfplan import PlannedResource
from auditor.unresolved import is_unresolved

ML_WORKSPACE_PATH = "Microsoft.MachineLearningServices/workspaces"
AI_ACCOUNT_PATH = "Microsoft.CognitiveServices/accounts"


def first_block(values: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A nested block (``network_acls {}``), which a plan writes as a one-element list."""
    block = values.get(name)
    if isinstance(block, list) and block and isinstance(block[0], dict):
        return block[0]
    return block if isinstance(block, dict) and not is_unresolved(block) else None


def blocks(values: Mapping[str, Any], name: str) -> Any:
    """Every block of a repeatable one (``content_filter {}``); a marker stays a marker."""
    found = values.get(name)
    if isinstance(found, list):
        return [b for b in found if isinstance(b, dict)]
    return found if is_unresolved(found) else None


def negate(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else value


def enabled(value: Any) -> Any:
    if isinstance(value, bool):
        return "Enabled" if value else "Disabled"
    return value


def identity(values: Mapping[str, Any]) -> dict[str, Any] | None:
    block = first_block(values, "identity")
    if block is None:
        return None
    found: dict[str, Any] = {"type": block.get("type")}
    ids = block.get("identity_ids")
    if isinstance(ids, list):
        found["userAssignedIdentities"] = {str(i): {} for i in ids}
    return found


def name_of(values: Mapping[str, Any]) -> str:
    """The resource's name attribute; a plan holding anything but a string names none."""
    name = values.get("name")
    return name if isinstance(name, str) else "unnamed"


class Mapper:
    """Builds ARM records from planned values, remembering which attribute fed which path."""

    def __init__(self, context: DeploymentContext, ids: Mapping[str, str]) -> None:
        self.context = context
        self.ids = ids
        """Address of each parent resource in the plan (workspace, account) -> its id."""
        self.sources: dict[str, str] = {}

    def put(self, target: dict[str, Any], path: str, value: Any, attribute: str) -> None:
        """Set ``path`` (dotted, under ``target``) unless the value is absent."""
        if value is None:
            return
        *parents, last = path.split(".")
        node = target
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
        self.sources[path] = attribute

    def base_id(self, values: Mapping[str, Any], arm_type_path: str) -> str:
        known = values.get("id")
        if isinstance(known, str) and known.startswith("/subscriptions/"):
            return known
        group = values.get("resource_group_name")
        group = group if isinstance(group, str) else self.context.resource_group
        return (
            f"/subscriptions/{self.context.subscription_id}/resourceGroups/{group}/providers/"
            f"{arm_type_path}/{name_of(values)}"
        )

    def parent_id(
        self, resource: PlannedResource, attribute: str, parent_path: str, *, any_type: bool = False
    ) -> str:
        """The id ``attribute`` names (``cognitive_account_id``): its planned value, or, when
        that is known only after apply, the id of the plan resource it references. Unless
        ``any_type``, an id of another type is not taken: a plan that repeats an address could
        otherwise make a storage account a compute's workspace (the Terraform fuzz suite found
        it), and the child would be judged by the wrong type's declarations."""
        known = self.linked_id(resource, attribute)
        if isinstance(known, str) and (
            any_type or f"/providers/{parent_path}/".lower() in known.lower()
        ):
            return known
        return (
            f"{self.context.resource_group_id}/providers/{parent_path}/"
            f"{{{resource.address}.{attribute}}}"
        )

    def linked_id(self, resource: PlannedResource, attribute: str) -> Any:
        """The id ``attribute`` names (``storage_account_id``): its planned value, the id of
        the plan resource it references, or what the plan holds (a marker, or None)."""
        known = resource.values.get(attribute)
        if isinstance(known, str):
            return known
        for ref in resource.references.get(attribute, []):
            address = ref[: -len(".id")] if ref.endswith(".id") else ref
            if address in self.ids:
                return self.ids[address]
        return known

    def workspace_id(self, resource: PlannedResource) -> str:
        return self.parent_id(resource, "machine_learning_workspace_id", ML_WORKSPACE_PATH)


def workspace_record(
    r: PlannedResource, m: Mapper, kind: Any, hbi_attribute: str
) -> dict[str, Any]:
    """An ML workspace (``azurerm_machine_learning_workspace``, or an AI Foundry hub or
    project): what they share; public access is each type's own attribute."""
    v = r.values
    record: dict[str, Any] = {
        "id": m.base_id(v, ML_WORKSPACE_PATH),
        "type": arm.WORKSPACE,
        "name": name_of(v),
        "location": v.get("location"),
        "kind": kind,
    }
    m.put(record, "properties.hbiWorkspace", v.get(hbi_attribute), hbi_attribute)
    encryption = first_block(v, "encryption")
    if encryption is not None:
        m.put(
            record,
            "properties.encryption",
            {
                "status": "Enabled",
                "keyVaultProperties": {
                    "keyVaultArmId": encryption.get("key_vault_id"),
                    "keyIdentifier": encryption.get("key_id"),
                },
            },
            "encryption",
        )
    network = first_block(v, "managed_network")
    if network is not None:
        m.put(
            record,
            "properties.managedNetwork.isolationMode",
            network.get("isolation_mode"),
            "managed_network",
        )
    for attribute, path in (
        ("storage_account_id", "properties.storageAccount"),
        ("key_vault_id", "properties.keyVault"),
        ("container_registry_id", "properties.containerRegistry"),
    ):
        m.put(record, path, m.linked_id(r, attribute), attribute)
    m.put(record, "identity", identity(v), "identity")
    return record
