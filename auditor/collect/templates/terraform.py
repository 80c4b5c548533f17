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
from auditor.collect.templates import (
    terraform_dependencies,
    terraform_foundry,
    terraform_guard,
    terraform_logging,
)
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.source import Document
from auditor.collect.templates.tfmapper import (
    ML_WORKSPACE_PATH,
    Mapper,
    enabled,
    identity,
    name_of,
    negate,
    workspace_record,
)
from auditor.collect.templates.tfplan import PlannedResource, planned_resources
from auditor.roles import BUILT_IN_NAMES
from auditor.unresolved import unresolved

_ROLE_GUIDS = {name.lower(): guid for guid, name in BUILT_IN_NAMES.items()}
_TF_NAMESPACE = uuid.UUID("5f6d2a3c-8d0e-4c55-9a39-3c1f1b0e7a11")


def _workspace(r: PlannedResource, m: Mapper) -> dict[str, Any]:
    v = r.values
    record = workspace_record(r, m, v.get("kind"), "high_business_impact")
    m.put(
        record,
        "properties.publicNetworkAccess",
        enabled(v.get("public_network_access_enabled", True)),
        "public_network_access_enabled",
    )
    # azurerm's default (its doc and machine_learning_workspace_resource.go); no ARM default.
    m.put(
        record,
        "properties.systemDatastoresAuthMode",
        v.get("storage_account_access_type", "AccessKey"),
        "storage_account_access_type",
    )
    return record


def _compute(compute_type: str) -> Callable[[PlannedResource, Mapper], dict[str, Any]]:
    def build(r: PlannedResource, m: Mapper) -> dict[str, Any]:
        v = r.values
        name = name_of(v)
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
                negate(v.get("local_auth_enabled", True)),
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
        m.put(record, "identity", identity(v), "identity")
        return record

    return build


def _role_assignment(r: PlannedResource, m: Mapper) -> dict[str, Any]:
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


def _role_definition(r: PlannedResource, m: Mapper) -> dict[str, Any]:
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


MAPPERS: Mapping[str, Callable[[PlannedResource, Mapper], dict[str, Any]]] = {
    "azurerm_machine_learning_workspace": _workspace,
    "azurerm_machine_learning_compute_cluster": _compute("AmlCompute"),
    "azurerm_machine_learning_compute_instance": _compute("ComputeInstance"),
    "azurerm_machine_learning_inference_cluster": _compute("AKS"),
    "azurerm_role_assignment": _role_assignment,
    "azurerm_role_definition": _role_definition,
    **terraform_foundry.MAPPERS,
    **terraform_guard.MAPPERS,
    **terraform_logging.MAPPERS,
    **terraform_dependencies.MAPPERS,
}
"""The azurerm resource types read from a plan; others are counted as skipped."""

PARENT_PATHS = {
    "azurerm_machine_learning_workspace": ML_WORKSPACE_PATH,
    **terraform_foundry.PARENT_PATHS,
    **terraform_logging.PARENT_PATHS,
    **terraform_dependencies.PARENT_PATHS,
}
"""Types whose id children find by the address they reference (before computes map)."""


@dataclass(frozen=True)
class MappedResource:
    """One planned resource as ARM JSON, with where its attributes are in the plan."""

    record: dict[str, Any] | None
    """None for an azurerm type this tool does not audit."""
    tf_type: str
    line: int | None
    property_lines: Mapping[str, int]


def map_plan(document: Document, context: DeploymentContext) -> list[MappedResource]:
    """Every planned resource, mapped to ARM JSON (parents first, so children find them)."""
    planned = list(planned_resources(document))
    ids: dict[str, str] = {}
    for resource in planned:
        parent_path = PARENT_PATHS.get(resource.tf_type)
        if parent_path is not None:
            ids[resource.address.split("[", 1)[0]] = Mapper(context, {}).base_id(
                resource.values, parent_path
            )
    out: list[MappedResource] = []
    for resource in planned:
        builder = MAPPERS.get(resource.tf_type)
        line = document.lines.get((*resource.entry, "address")) or document.line_of(resource.entry)
        if builder is None:
            out.append(MappedResource(None, resource.tf_type, line, {}))
            continue
        mapper = Mapper(context, ids)
        record = builder(resource, mapper)
        lines = {
            path: found
            for path, attribute in mapper.sources.items()
            if (found := document.lines.get((*resource.path, attribute))) is not None
        }
        out.append(MappedResource(record, resource.tf_type, line, lines))
    return out
