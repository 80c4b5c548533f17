"""Predicates of the rules that judge a workspace through its dependencies (AML031 storage
account, AML032 container registry, AML033 key vault).

The workspace names each dependency by ARM id (``properties.storageAccount``,
``containerRegistry``, ``keyVault``); the dependency's own record is what is judged, so one
that is not in the inventory (not collected, deleted, not readable, not in the template) is
``unknown`` naming it, never a pass. "The workspace is private" means what AML008 passes:
``publicNetworkAccess`` ``Disabled`` (missing means ``Enabled``) and
``allowPublicAccessWhenBehindVnet`` not ``true``; only then does a public dependency defeat
it, so only then is the dependency's network judged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor import arm
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.fields import Found, Missing
from auditor.model import Resource, Status

DEPENDENCIES = "dependencies"
"""The data kind of the storage accounts, registries and key vaults read by id."""


@dataclass(frozen=True)
class _Link:
    """One dependency a workspace names."""

    path: str
    arm_type: str
    label: str
    required: bool
    """Whether every workspace has one (storage and key vault are set at creation)."""


def workspace_is_private(reads: Reads) -> bool:
    """Whether the workspace passes AML008's network test (documented defaults applied)."""
    public = reads.value("properties.publicNetworkAccess")
    behind_vnet = reads.value("properties.allowPublicAccessWhenBehindVnet")
    return str(public or "Enabled").lower() == "disabled" and behind_vnet is not True


def _public_while_private(dep: Reads, private: bool) -> list[str]:
    """Why a private workspace's dependency defeats it, if it does: public access not disabled
    (``Disabled``, or for storage ``SecuredByPerimeter``) and a firewall whose default action
    is not ``Deny`` (no firewall allows all)."""
    if not private:
        return []
    public = dep.value("properties.publicNetworkAccess")
    default_action = dep.value("properties.networkAcls.defaultAction")
    if public is not None and str(public).lower() != "enabled":
        return []
    if str(default_action or "").lower() == "deny":
        return []
    return [
        "reachable from public networks while the workspace is private (publicNetworkAccess "
        f"= {public or '<missing>'} and networkAcls.defaultAction = "
        f"{default_action or '<missing: Allow>'})"
    ]


def _judge(
    resource: Resource,
    ctx: EvalContext,
    link: _Link,
    faults: Callable[[Reads, bool], list[str]],
) -> Outcome:
    """The workspace's ``link`` dependency, judged by ``faults`` (each a reason to fail)."""
    reads = Reads.of(resource)
    linked = reads.get(link.path)
    private = workspace_is_private(reads)
    evidence: dict[str, Any] = {
        link.path: linked.evidence,
        "workspace_private": private,
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if isinstance(linked, Missing) or not isinstance(linked, Found):
        if not link.required:
            reason = f"the workspace has no {link.label} ({link.path} not set)"
            return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
        reason = f"field(s) missing: {link.path}"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    dependency_id = str(linked.value)
    dependency = ctx.inventory.get(dependency_id)
    if dependency is None or dependency.type != link.arm_type:
        return _not_in_inventory(ctx, resource, link, dependency_id, evidence)
    prefix = link.path.removeprefix("properties.")
    dep = Reads.of(dependency, label=f"{prefix}.", into=reads)
    found = faults(dep, private)
    evidence.update(
        {f"{prefix}.{p}": dep.shown(p).evidence for p in _shown_paths(dep)},
    )
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if found:
        return Outcome(
            Status.FAIL,
            f"workspace {resource.name}'s {link.label} {dependency.name}: " + "; ".join(found),
            evidence,
        )
    return Outcome(
        Status.PASS,
        f"workspace {resource.name}'s {link.label} {dependency.name} is locked down",
        evidence,
    )


_SHOWN = (
    "properties.allowBlobPublicAccess",
    "properties.allowSharedKeyAccess",
    "properties.adminUserEnabled",
    "properties.anonymousPullEnabled",
    "properties.enablePurgeProtection",
    "properties.publicNetworkAccess",
    "properties.networkAcls.defaultAction",
    "properties.networkRuleSet.defaultAction",
)


def _shown_paths(dep: Reads) -> list[str]:
    return [p for p in _SHOWN if dep.declares(p) and not isinstance(dep.shown(p), Missing)]


def _not_in_inventory(
    ctx: EvalContext, resource: Resource, link: _Link, dependency_id: str, evidence: dict[str, Any]
) -> Outcome:
    """Unknown: the dependency the workspace names was not read (and why, when known)."""
    sub = resource.subscription_id
    if resource.source.kind.observed and not ctx.inventory.has_data(DEPENDENCIES, sub):
        reason = f"{DEPENDENCIES} were not collected for subscription {sub}"
        error = ctx.inventory.error_for(DEPENDENCIES, sub)
    else:
        reason = f"{link.label} {dependency_id} is not in the inventory"
        wanted = arm.normalise_id(dependency_id)
        error = next((e for e in ctx.inventory.errors if arm.normalise_id(e.scope) == wanted), None)
    if error is not None:
        reason += f" ({error.message})"
    return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)


def _storage_faults(dep: Reads, private: bool) -> list[str]:
    found = []
    if dep.value("properties.allowBlobPublicAccess") is True:
        found.append("allowBlobPublicAccess = true (containers can be made public)")
    shared_key = dep.value("properties.allowSharedKeyAccess")
    if shared_key is not False:
        shown = "true" if shared_key is True else "<missing: null means true>"
        found.append(f"allowSharedKeyAccess = {shown} (account keys and SAS sign requests)")
    return found + _public_while_private(dep, private)


def _registry_faults(dep: Reads, private: bool) -> list[str]:
    found = []
    if dep.value("properties.adminUserEnabled") is True:
        found.append("adminUserEnabled = true (a shared username and password)")
    if dep.value("properties.anonymousPullEnabled") is True:
        found.append("anonymousPullEnabled = true (anyone can pull images)")
    return found


def _vault_faults(dep: Reads, private: bool) -> list[str]:
    found = []
    if dep.value("properties.enablePurgeProtection") is not True:
        found.append("enablePurgeProtection is not true (deleted secrets and keys can be purged)")
    return found + _public_while_private(dep, private)


_STORAGE = _Link("properties.storageAccount", arm.STORAGE_ACCOUNT, "storage account", True)
_REGISTRY = _Link(
    "properties.containerRegistry", arm.CONTAINER_REGISTRY, "container registry", False
)
_VAULT = _Link("properties.keyVault", arm.KEY_VAULT, "key vault", True)


def workspace_storage_exposed(resource: Resource, ctx: EvalContext) -> Outcome:
    """The workspace's storage account allows public blobs, shared keys, or (for a private
    workspace) public network access."""
    return _judge(resource, ctx, _STORAGE, _storage_faults)


def workspace_registry_admin_user(resource: Resource, ctx: EvalContext) -> Outcome:
    """The workspace's container registry has its admin user or anonymous pull on."""
    return _judge(resource, ctx, _REGISTRY, _registry_faults)


def workspace_key_vault_unprotected(resource: Resource, ctx: EvalContext) -> Outcome:
    """The workspace's key vault has no purge protection, or (for a private workspace) is
    reachable from public networks."""
    return _judge(resource, ctx, _VAULT, _vault_faults)


PREDICATES: Mapping[str, Predicate] = {
    "workspace_storage_exposed": workspace_storage_exposed,
    "workspace_registry_admin_user": workspace_registry_admin_user,
    "workspace_key_vault_unprotected": workspace_key_vault_unprotected,
}
"""The dependency predicates, merged into :data:`auditor.engine.predicates.PREDICATES`."""
