"""Predicates about ML workloads that need their workspace or siblings in the inventory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.inventory import get_path
from auditor.model import Resource, Status
from auditor.unresolved import describe, is_unresolved

MANAGED_ISOLATION = ("allowinternetoutbound", "allowonlyapprovedoutbound")
"""``managedNetwork.isolationMode`` values that put computes in a managed virtual network."""


def compute_network_isolated(resource: Resource, ctx: EvalContext) -> Outcome:
    """A compute in a customer subnet, or in its workspace's managed virtual network."""
    subnet = get_path(resource.data, ("properties", "properties", "subnet", "id"))
    evidence: dict[str, Any] = {"properties.properties.subnet.id": subnet or "<missing>"}
    if isinstance(subnet, str) and subnet.strip():
        return Outcome(Status.PASS, f"the compute is in subnet {subnet}", evidence)
    workspace = ctx.inventory.parent(resource)
    if workspace is None:
        reason = (
            f"no subnet, and its workspace {resource.parent_key} is not in the inventory "
            "(a managed virtual network would isolate it)"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    managed, decider = _managed_network(workspace, ctx, evidence)
    if managed is None:
        reason = (
            f"no subnet, and the hub of project {workspace.name} ({decider}) is not in the "
            "inventory (its managed virtual network would isolate it)"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if managed:
        return Outcome(
            Status.PASS, f"the compute runs in {decider}'s managed virtual network", evidence
        )
    return Outcome(
        Status.FAIL,
        "the compute is in no virtual network: no subnet, and its workspace (or a project's "
        "hub) has no managed network isolation",
        evidence,
    )


def _managed_network(
    workspace: Resource, ctx: EvalContext, evidence: dict[str, Any]
) -> tuple[bool | None, str]:
    """Whether the workspace (or, for a project, its hub) has a managed virtual network;
    None when a project's hub is not in the inventory. Also the name of the deciding one."""
    mode = get_path(workspace.data, ("properties", "managedNetwork", "isolationMode"))
    evidence["workspace.properties.managedNetwork.isolationMode"] = mode or "<missing>"
    if isinstance(mode, str) and mode.lower() in MANAGED_ISOLATION:
        return True, workspace.name
    if str(workspace.data.get("kind") or "").lower() != "project":
        return False, workspace.name
    hub_id = get_path(workspace.data, ("properties", "hubResourceId"))
    hub = ctx.inventory.get(hub_id) if isinstance(hub_id, str) and hub_id.strip() else None
    if hub is None:
        return None, str(hub_id or "the project's hub")
    hub_mode = get_path(hub.data, ("properties", "managedNetwork", "isolationMode"))
    evidence["hub.properties.managedNetwork.isolationMode"] = hub_mode or "<missing>"
    return isinstance(hub_mode, str) and hub_mode.lower() in MANAGED_ISOLATION, hub.name


def deployment_public_egress(resource: Resource, ctx: EvalContext) -> Outcome:
    """A managed deployment with public egress, outside a workspace managed network (where
    the legacy ``egressPublicNetworkAccess`` flag no longer applies)."""
    value = get_path(resource.data, ("properties", "egressPublicNetworkAccess"))
    path = "properties.egressPublicNetworkAccess"
    if is_unresolved(value):
        reason = f"value not resolved from the template: {path} = {describe(value)}"
        return Outcome(Status.UNKNOWN, reason, {path: describe(value)}, reason=reason)
    evidence: dict[str, Any] = {
        path: value if value is not None else "<missing> (ARM default: 'Enabled')"
    }
    if isinstance(value, str) and value.lower() == "disabled":
        return Outcome(Status.PASS, "public egress is disabled", evidence)
    workspace_key = resource.key.split("/onlineendpoints/")[0]
    workspace = ctx.inventory.get(workspace_key)
    if workspace is None:
        reason = (
            f"public egress is on, and workspace {workspace_key} is not in the inventory "
            "(under a workspace managed network the flag does not apply)"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    managed, decider = _managed_network(workspace, ctx, evidence)
    if managed is None:
        reason = f"public egress is on, and {decider} is not in the inventory"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if managed:
        reason = (
            f"{decider}'s managed virtual network governs egress; the deployment flag does not "
            "apply (AML010 judges the outbound mode)"
        )
        return Outcome(Status.NOT_APPLICABLE, f"not applicable: {reason}", evidence, reason=reason)
    return Outcome(
        Status.FAIL,
        f"public egress is on and workspace {workspace.name} has no managed virtual network",
        evidence,
    )


def workspace_v1_services(resource: Resource, ctx: EvalContext) -> Outcome:
    """A workspace that still runs v1 (ACI/AKS) web services."""
    services = [s for s in ctx.inventory.of_type(arm.WEB_SERVICE) if s.parent_key == resource.key]
    if services:
        listed = [
            {"name": s.name, "computeType": get_path(s.data, ("properties", "computeType"))}
            for s in sorted(services, key=lambda s: s.name)
        ]
        names = ", ".join(str(item["name"]) for item in listed)
        return Outcome(
            Status.FAIL,
            f"{len(services)} v1 web service(s) still deployed: {names}",
            {"v1_services": listed},
        )
    seen = ctx.inventory.has_data("web_services", resource.subscription_id) or any(
        s.subscription_id == resource.subscription_id
        for s in ctx.inventory.of_type(arm.WEB_SERVICE)
    )
    if not seen:
        reason = f"v1 web services were not collected for subscription {resource.subscription_id}"
        return Outcome(Status.UNKNOWN, reason, {}, reason=reason)
    return Outcome(Status.PASS, "no v1 web service in the workspace", {"v1_services": []})


PREDICATES: Mapping[str, Predicate] = {
    "compute_network_isolated": compute_network_isolated,
    "workspace_v1_services": workspace_v1_services,
    "deployment_public_egress": deployment_public_egress,
}
"""The workload predicates, merged into :data:`auditor.engine.predicates.PREDICATES`."""
