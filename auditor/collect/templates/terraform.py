"""Terraform plans (``terraform show -json plan.out``) for the azurerm resources rules judge.

Each planned resource's ``change.after`` is mapped to the ARM JSON the resource will have
once applied (``local_auth_enabled = false`` -> ``properties.disableLocalAuth: true``). A
value Terraform only knows after apply (``after_unknown``) becomes an unresolved marker, so
the dependent rule is ``unknown``. Resources planned for deletion are left out. Ids: the
planned ``id`` when Terraform knows it (an existing resource), else a synthetic id from the
resource group and name; computes find their workspace through ``machine_learning_workspace_id``
or, when that is known only after apply, through the configuration's references.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor import arm
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.source import Document
from auditor.collect.templates.tfplan import PlannedResource, planned_resources
from auditor.roles import BUILT_IN_NAMES
from auditor.unresolved import is_unresolved, unresolved

_ROLE_GUIDS = {name.lower(): guid for guid, name in BUILT_IN_NAMES.items()}
_ML = "Microsoft.MachineLearningServices/workspaces"
_TF_NAMESPACE = uuid.UUID("5f6d2a3c-8d0e-4c55-9a39-3c1f1b0e7a11")


def _first_block(values: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    block = values.get(name)
    if isinstance(block, list) and block and isinstance(block[0], dict):
        return block[0]
    return block if isinstance(block, dict) and not is_unresolved(block) else None


def _negate(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else value


def _enabled(value: Any) -> Any:
    if isinstance(value, bool):
        return "Enabled" if value else "Disabled"
    return value


def _identity(values: Mapping[str, Any]) -> dict[str, Any] | None:
    block = _first_block(values, "identity")
    if block is None:
        return None
    identity: dict[str, Any] = {"type": block.get("type")}
    ids = block.get("identity_ids")
    if isinstance(ids, list):
        identity["userAssignedIdentities"] = {str(i): {} for i in ids}
    return identity


class _Mapper:
    """Builds ARM records from planned values, remembering which attribute fed which path."""

    def __init__(self, context: DeploymentContext, ids: Mapping[str, str]) -> None:
        self.context = context
        self.ids = ids
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
        name = _name(values)
        return (
            f"/subscriptions/{self.context.subscription_id}/resourceGroups/{group}/providers/"
            f"{arm_type_path}/{name}"
        )

    def workspace_id(self, resource: PlannedResource) -> str:
        known = resource.values.get("machine_learning_workspace_id")
        if isinstance(known, str):
            return known
        for ref in resource.references.get("machine_learning_workspace_id", []):
            address = ref[: -len(".id")] if ref.endswith(".id") else ref
            if address in self.ids:
                return self.ids[address]
        return (
            f"{self.context.resource_group_id}/providers/{_ML}/"
            f"{{{resource.address}.machine_learning_workspace_id}}"
        )


def _name(values: Mapping[str, Any]) -> str:
    """The resource's name attribute; a plan holding anything but a string names none."""
    name = values.get("name")
    return name if isinstance(name, str) else "unnamed"


def _cognitive_account(r: PlannedResource, m: _Mapper) -> dict[str, Any]:
    v = r.values
    record: dict[str, Any] = {
        "id": m.base_id(v, "Microsoft.CognitiveServices/accounts"),
        "type": arm.AI_ACCOUNT,
        "name": _name(v),
        "location": v.get("location"),
        "kind": v.get("kind"),
    }
    m.put(
        record,
        "properties.disableLocalAuth",
        _negate(v.get("local_auth_enabled", True)),
        "local_auth_enabled",
    )
    m.put(
        record,
        "properties.publicNetworkAccess",
        _enabled(v.get("public_network_access_enabled", True)),
        "public_network_access_enabled",
    )
    acls = _first_block(v, "network_acls")
    if acls is not None:
        m.put(
            record,
            "properties.networkAcls.defaultAction",
            acls.get("default_action"),
            "network_acls",
        )
    m.put(
        record,
        "properties.customSubDomainName",
        v.get("custom_subdomain_name"),
        "custom_subdomain_name",
    )
    m.put(
        record,
        "properties.restrictOutboundNetworkAccess",
        v.get("outbound_network_access_restricted"),
        "outbound_network_access_restricted",
    )
    m.put(record, "properties.allowedFqdnList", v.get("fqdns"), "fqdns")
    cmk = _first_block(v, "customer_managed_key")
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
    m.put(record, "identity", _identity(v), "identity")
    return record


def _workspace(r: PlannedResource, m: _Mapper) -> dict[str, Any]:
    v = r.values
    record: dict[str, Any] = {
        "id": m.base_id(v, _ML),
        "type": arm.WORKSPACE,
        "name": _name(v),
        "location": v.get("location"),
        "kind": v.get("kind"),
    }
    m.put(
        record,
        "properties.publicNetworkAccess",
        _enabled(v.get("public_network_access_enabled", True)),
        "public_network_access_enabled",
    )
    m.put(record, "properties.hbiWorkspace", v.get("high_business_impact"), "high_business_impact")
    encryption = _first_block(v, "encryption")
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
    network = _first_block(v, "managed_network")
    if network is not None:
        m.put(
            record,
            "properties.managedNetwork.isolationMode",
            network.get("isolation_mode"),
            "managed_network",
        )
    m.put(record, "identity", _identity(v), "identity")
    return record


def _compute(compute_type: str) -> Callable[[PlannedResource, _Mapper], dict[str, Any]]:
    def build(r: PlannedResource, m: _Mapper) -> dict[str, Any]:
        v = r.values
        name = _name(v)
        record: dict[str, Any] = {
            "id": f"{m.workspace_id(r)}/computes/{name}",
            "type": arm.COMPUTE,
            "name": name,
            "location": v.get("location"),
        }
        m.put(record, "properties.computeType", compute_type, "type")
        if compute_type == "AKS":
            m.put(record, "properties.computeLocation", v.get("location"), "location")
            m.put(
                record,
                "properties.resourceId",
                v.get("kubernetes_cluster_id"),
                "kubernetes_cluster_id",
            )
        else:
            m.put(
                record,
                "properties.disableLocalAuth",
                _negate(v.get("local_auth_enabled", True)),
                "local_auth_enabled",
            )
            subnet = v.get("subnet_resource_id")
            if subnet:
                m.put(record, "properties.properties.subnet.id", subnet, "subnet_resource_id")
            m.put(
                record,
                "properties.properties.enableNodePublicIp",
                v.get("node_public_ip_enabled"),
                "node_public_ip_enabled",
            )
        m.put(record, "identity", _identity(v), "identity")
        return record

    return build


def _role_assignment(r: PlannedResource, m: _Mapper) -> dict[str, Any]:
    v = r.values
    scope = v.get("scope")
    scope_text = scope if isinstance(scope, str) else m.context.resource_group_id
    role: Any = v.get("role_definition_id")
    role_attribute = "role_definition_id"
    if not isinstance(role, str) and isinstance(v.get("role_definition_name"), str):
        role_attribute = "role_definition_name"
        guid = _ROLE_GUIDS.get(v["role_definition_name"].lower())
        role = (
            f"/subscriptions/{m.context.subscription_id}/providers/"
            f"Microsoft.Authorization/roleDefinitions/{guid}"
            if guid
            else unresolved(
                f"role_definition_name = {v['role_definition_name']}",
                "not a built-in role this tool knows by name",
            )
        )
    name = (
        v.get("name")
        if isinstance(v.get("name"), str)
        else str(uuid.uuid5(_TF_NAMESPACE, r.address))
    )
    record: dict[str, Any] = {
        "id": f"{scope_text.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "type": arm.ROLE_ASSIGNMENT,
        "name": name,
    }
    m.put(record, "properties.scope", scope, "scope")
    m.put(
        record,
        "properties.roleDefinitionId",
        role,
        role_attribute,
    )
    m.put(record, "properties.principalId", v.get("principal_id"), "principal_id")
    m.put(record, "properties.principalType", v.get("principal_type"), "principal_type")
    return record


def _role_definition(r: PlannedResource, m: _Mapper) -> dict[str, Any]:
    v = r.values
    raw_scope = v.get("scope")
    scope = raw_scope if isinstance(raw_scope, str) else m.context.resource_group_id
    guid = v.get("role_definition_id")
    guid = guid if isinstance(guid, str) else str(uuid.uuid5(_TF_NAMESPACE, r.address))
    record: dict[str, Any] = {
        "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "type": arm.ROLE_DEFINITION,
        "name": guid,
    }
    m.put(record, "properties.roleName", v.get("name"), "name")
    m.put(record, "properties.type", "CustomRole", "name")
    raw_permissions = v.get("permissions")
    permissions: Any = raw_permissions  # another type stays as found, for the rules to doubt
    if isinstance(raw_permissions, list) or raw_permissions is None:
        permissions = [
            {
                "actions": p.get("actions") or [],
                "notActions": p.get("not_actions") or [],
                "dataActions": p.get("data_actions") or [],
                "notDataActions": p.get("not_data_actions") or [],
            }
            for p in raw_permissions or []
            if isinstance(p, dict)
        ]
    m.put(record, "properties.permissions", permissions, "permissions")
    m.put(record, "properties.assignableScopes", v.get("assignable_scopes"), "assignable_scopes")
    return record


MAPPERS: Mapping[str, Callable[[PlannedResource, _Mapper], dict[str, Any]]] = {
    "azurerm_cognitive_account": _cognitive_account,
    "azurerm_ai_services": _cognitive_account,
    "azurerm_machine_learning_workspace": _workspace,
    "azurerm_machine_learning_compute_cluster": _compute("AmlCompute"),
    "azurerm_machine_learning_compute_instance": _compute("ComputeInstance"),
    "azurerm_machine_learning_inference_cluster": _compute("AKS"),
    "azurerm_role_assignment": _role_assignment,
    "azurerm_role_definition": _role_definition,
}
"""The azurerm resource types read from a plan; others are counted as skipped."""


@dataclass(frozen=True)
class MappedResource:
    """One planned resource as ARM JSON, with where its attributes are in the plan."""

    record: dict[str, Any] | None
    """None for an azurerm type this tool does not audit."""
    tf_type: str
    line: int | None
    property_lines: Mapping[str, int]


def map_plan(document: Document, context: DeploymentContext) -> list[MappedResource]:
    """Every planned resource, mapped to ARM JSON (workspaces first, so computes find them)."""
    planned = list(planned_resources(document))
    ids: dict[str, str] = {}
    for resource in planned:
        if resource.tf_type == "azurerm_machine_learning_workspace":
            mapper = _Mapper(context, {})
            ids[resource.address.split("[", 1)[0]] = mapper.base_id(resource.values, _ML)
    out: list[MappedResource] = []
    for resource in planned:
        builder = MAPPERS.get(resource.tf_type)
        line = document.lines.get((*resource.entry, "address")) or document.line_of(resource.entry)
        if builder is None:
            out.append(MappedResource(None, resource.tf_type, line, {}))
            continue
        mapper = _Mapper(context, ids)
        record = builder(resource, mapper)
        lines = {
            path: found
            for path, attribute in mapper.sources.items()
            if (found := document.lines.get((*resource.path, attribute))) is not None
        }
        out.append(MappedResource(record, resource.tf_type, line, lines))
    return out
