"""Predicates about ML workloads that need their workspace or siblings in the inventory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.model import Resource, Status

MANAGED_ISOLATION = ("allowinternetoutbound", "allowonlyapprovedoutbound")
"""``managedNetwork.isolationMode`` values that put computes in a managed virtual network."""

_NO_SUBNET = "properties.properties.subnet.id missing"


def compute_network_isolated(resource: Resource, ctx: EvalContext) -> Outcome:
    """A compute in a customer subnet, or in its workspace's managed virtual network."""
    reads = Reads.of(resource)
    subnet = reads.value("properties.properties.subnet.id")
    evidence: dict[str, Any] = {"properties.properties.subnet.id": subnet or "<missing>"}
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if subnet and subnet.strip():
        return Outcome(Status.PASS, f"the compute is in subnet {subnet}", evidence)
    workspace = ctx.inventory.parent(resource)
    if workspace is None:
        reason = (
            f"no subnet ({_NO_SUBNET}), and its workspace {resource.parent_key} is not in the "
            "inventory (a managed virtual network would isolate it)"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    managed, decider = _managed_network(workspace, ctx, evidence, reads)
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if managed is None:
        reason = (
            f"no subnet ({_NO_SUBNET}), and the hub of project {workspace.name} ({decider}) is "
            "not in the inventory (its managed virtual network would isolate it)"
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
    workspace: Resource, ctx: EvalContext, evidence: dict[str, Any], reads: Reads
) -> tuple[bool | None, str]:
    """Whether the workspace (or, for a project, its hub) has a managed virtual network;
    None when a project's hub is not in the inventory. Also the name of the deciding one.
    What it reads off the spec lands in ``reads``."""
    own = Reads.of(workspace, label="workspace.", into=reads)
    mode = own.value("properties.managedNetwork.isolationMode")
    evidence["workspace.properties.managedNetwork.isolationMode"] = mode or "<missing>"
    if mode and mode.lower() in MANAGED_ISOLATION:
        return True, workspace.name
    if str(own.value("kind") or "").lower() != "project":
        return False, workspace.name
    hub_id = own.value("properties.hubResourceId")
    hub = ctx.inventory.get(hub_id) if hub_id and hub_id.strip() else None
    if hub is None:
        return None, str(hub_id or "the project's hub")
    hub_mode = Reads.of(hub, label="hub.", into=reads).value(
        "properties.managedNetwork.isolationMode"
    )
    evidence["hub.properties.managedNetwork.isolationMode"] = hub_mode or "<missing>"
    return bool(hub_mode) and hub_mode.lower() in MANAGED_ISOLATION, hub.name


def deployment_public_egress(resource: Resource, ctx: EvalContext) -> Outcome:
    """A managed deployment with public egress, outside a workspace managed network (where
    the legacy ``egressPublicNetworkAccess`` flag no longer applies)."""
    path = "properties.egressPublicNetworkAccess"
    reads = Reads.of(resource)
    value = reads.value(path)
    if (stop := reads.unknown({})) is not None:
        return stop
    evidence: dict[str, Any] = {
        path: value if value is not None else '<missing> (ARM default: "Enabled")'
    }
    if value and value.lower() == "disabled":
        return Outcome(Status.PASS, "public egress is disabled", evidence)
    workspace_key = resource.key.split("/onlineendpoints/")[0]
    workspace = ctx.inventory.get(workspace_key)
    if workspace is None:
        reason = (
            f"public egress is on, and workspace {workspace_key} is not in the inventory "
            "(under a workspace managed network the flag does not apply)"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    managed, decider = _managed_network(workspace, ctx, evidence, reads)
    if (stop := reads.unknown(evidence)) is not None:
        return stop
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
            {"name": s.name, "computeType": Reads.of(s).shown("properties.computeType").evidence}
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
