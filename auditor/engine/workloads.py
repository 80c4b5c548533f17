"""Predicates about ML workloads that need their workspace or siblings in the inventory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.inventory import get_path
from auditor.model import Resource, Status

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
    mode = get_path(workspace.data, ("properties", "managedNetwork", "isolationMode"))
    evidence["workspace.properties.managedNetwork.isolationMode"] = mode or "<missing>"
    if isinstance(mode, str) and mode.lower() in MANAGED_ISOLATION:
        return Outcome(
            Status.PASS,
            f"the compute runs in workspace {workspace.name}'s managed virtual network ({mode})",
            evidence,
        )
    if str(workspace.data.get("kind") or "").lower() == "project":
        return _project_compute(workspace, ctx, evidence)
    return Outcome(
        Status.FAIL,
        "the compute is in no virtual network: no subnet, and its workspace has no managed "
        "network isolation",
        evidence,
    )


def _project_compute(project: Resource, ctx: EvalContext, evidence: dict[str, Any]) -> Outcome:
    """A project's computes run in its hub's managed virtual network, if the hub has one."""
    hub_id = get_path(project.data, ("properties", "hubResourceId"))
    hub = ctx.inventory.get(hub_id) if isinstance(hub_id, str) and hub_id.strip() else None
    if hub is None:
        where = hub_id if isinstance(hub_id, str) and hub_id.strip() else "hubResourceId missing"
        reason = (
            f"no subnet, and the hub of project {project.name} ({where}) is not in the "
            "inventory (its managed virtual network would isolate it)"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    mode = get_path(hub.data, ("properties", "managedNetwork", "isolationMode"))
    evidence["hub.properties.managedNetwork.isolationMode"] = mode or "<missing>"
    if isinstance(mode, str) and mode.lower() in MANAGED_ISOLATION:
        return Outcome(
            Status.PASS,
            f"the compute runs in hub {hub.name}'s managed virtual network ({mode})",
            evidence,
        )
    return Outcome(
        Status.FAIL,
        "the compute is in no virtual network: no subnet, and neither its project nor the "
        f"project's hub {hub.name} has managed network isolation",
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
}
"""The workload predicates, merged into :data:`auditor.engine.predicates.PREDICATES`."""
