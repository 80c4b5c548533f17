"""Predicates that read role assignments: who holds what over an AI/ML resource.

Role assignments carry only a role definition id; built-in roles are known by GUID
(:mod:`auditor.roles`; what the rules conclude from them in
:mod:`auditor.engine.roles`), custom roles by their collected definition. A role that is
neither is *unresolved*: it can make a result unknown, never a pass. The assignments
themselves, and which reach a resource, are :mod:`auditor.engine.grants`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.engine import roles
from auditor.engine.grants import (
    Grant,
    grant_index,
    grants_held_by,
    grants_reaching,
    no_role_data,
    role_data_seen,
)
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.fields import Missing
from auditor.inventory import Inventory
from auditor.model import Resource, Status
from auditor.roles import BUILT_IN_NAMES, action_matches

LIST_KEYS = roles.COGNITIVE_LIST_KEYS


@dataclass(frozen=True)
class Permissions:
    """A role definition's permission blocks: (actions, notActions) each, as typed reads."""

    blocks: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    reads: Reads
    """What was read; its problems name any permission value off the spec."""
    present: bool
    """Whether the definition holds ``properties.permissions`` at all."""


def permissions_of(definition: Resource) -> Permissions:
    """Read the permission blocks of a role definition through the typed reader."""
    reads = Reads.of(definition, label=f"role definition {definition.name}: ")
    elements = reads.elements("properties.permissions")
    blocks = []
    for block in elements or []:
        blocks.append((tuple(block.strings("actions")), tuple(block.strings("notActions"))))
    return Permissions(blocks=tuple(blocks), reads=reads, present=elements is not None)


def definition_allows(definition: Resource, action: str) -> bool | None:
    """Whether a role definition's actions (minus its notActions) include ``action``; None
    when some permission value is off the spec and none grants it."""
    permissions = permissions_of(definition)
    for actions, denied in permissions.blocks:
        if any(action_matches(a, action) for a in actions) and not any(
            action_matches(d, action) for d in denied
        ):
            return True
    return None if permissions.reads.problems else False


def definition_writes(definition: Resource) -> list[str] | None:
    """Actions of a role definition that grant everything, writes or deletes; None when none
    does but some permission value is off the spec."""
    permissions = permissions_of(definition)
    hits: list[str] = []
    for actions, _ in permissions.blocks:
        hits += [action for action in actions if roles.grants_write(action)]
    if not hits and permissions.reads.problems:
        return None
    return hits


def can_list_keys(inventory: Inventory, grant: Grant) -> bool | None:
    """True/False when the role is known to (not) list AI Services keys; None if unresolved."""
    if grant.role_guid in roles.KEY_LISTERS:
        return True
    if grant.problems:
        return None
    definition = inventory.role_definition(grant.role_guid) if grant.role_guid else None
    if definition is not None:
        return definition_allows(definition, LIST_KEYS)
    if grant.role_guid in roles.NO_KEY_LISTING:
        return False
    return None


def key_readers(resource: Resource, ctx: EvalContext) -> Outcome:
    """Who can list the keys of an AI Services account that still accepts them."""
    if not role_data_seen(ctx.inventory, resource.subscription_id):
        return no_role_data(ctx.inventory, resource.subscription_id)
    readers: list[Grant] = []
    unresolved: list[Grant] = []
    for grant in grants_reaching(ctx.inventory, resource):
        verdict = can_list_keys(ctx.inventory, grant)
        if verdict is True:
            readers.append(grant)
        elif verdict is None:
            unresolved.append(grant)
    evidence: dict[str, Any] = {
        "action": LIST_KEYS,
        "key_readers": [g.evidence() for g in readers],
    }
    if unresolved:
        evidence["roles_not_resolved"] = [g.evidence() for g in unresolved]
    if readers:
        who = ", ".join(f"{g.principal_type} {g.principal_id} ({g.role_name})" for g in readers)
        return Outcome(
            Status.FAIL,
            f"key auth is on and {len(readers)} assignment(s) can list its keys: {who}",
            evidence,
        )
    if unresolved:
        names = ", ".join(sorted({g.role_name for g in unresolved}))
        reason = f"cannot tell whether role(s) {names} can list keys: " + _why_unresolved(
            ctx.inventory, unresolved
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    return Outcome(Status.PASS, "no role assignment reaching it can list its keys", evidence)


def _why_unresolved(inventory: Inventory, grants: list[Grant]) -> str:
    """Why grants could not be judged: their own values, their roles', or no definition."""
    problems = [p.reason for g in grants for p in g.problems]
    for grant in grants:
        definition = inventory.role_definition(grant.role_guid) if grant.role_guid else None
        if definition is not None:
            problems += [p.reason for p in permissions_of(definition).reads.problems]
    return "; ".join(dict.fromkeys(problems)) or "definition not collected"


def _principal_ids(reads: Reads) -> set[str]:
    ids = set()
    principal = reads.value("identity.principalId")
    if principal:
        ids.add(principal.lower())
    for value in reads.map_values("identity.userAssignedIdentities"):
        user_principal = value.value("principalId")
        if user_principal:
            ids.add(user_principal.lower())
    return ids


def _endpoint_grant_problem(inventory: Inventory, grant: Grant) -> str | None:
    """Why the grant is too much for an endpoint identity; '' if fine; None if unresolved."""
    if grant.role_guid in roles.ENDPOINT_OVER_PRIVILEGED:
        return roles.ENDPOINT_OVER_PRIVILEGED[grant.role_guid]
    if grant.problems:
        return None
    definition = inventory.role_definition(grant.role_guid) if grant.role_guid else None
    if definition is not None:
        writes = definition_writes(definition)
        if writes is None:
            return None
        return f"grants {', '.join(writes)}" if writes else ""
    if grant.role_guid in BUILT_IN_NAMES:
        return ""
    return None


def endpoint_identity_over_privileged(resource: Resource, ctx: EvalContext) -> Outcome:
    """An online endpoint identity holding more than AcrPull and Storage Blob Data Reader."""
    reads = Reads.of(resource)
    if isinstance(identity := reads.get("identity"), Missing):
        reason = f"{identity.reason}: the endpoint record has no identity block"
        return Outcome(Status.UNKNOWN, reason, {"identity": "<missing>"}, reason=reason)
    identity_type = reads.value("identity.type") or ""
    if (stop := reads.unknown({})) is not None:
        return stop
    if identity_type.lower() in ("", "none"):
        reason = f"the endpoint has no managed identity (identity.type = {identity_type!r})"
        seen = {"identity.type": identity_type}
        return Outcome(Status.NOT_APPLICABLE, reason, seen, reason=reason)
    principals = _principal_ids(reads)
    evidence: dict[str, Any] = {
        "identity.type": identity_type,
        "principal_ids": sorted(principals),
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if not principals:
        reason = (
            "identity.principalId missing, and no identity.userAssignedIdentities entry "
            "names a principalId"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if not role_data_seen(ctx.inventory, resource.subscription_id):
        return no_role_data(ctx.inventory, resource.subscription_id)
    held = grants_held_by(ctx.inventory, principals)
    evidence["roles_held"] = [g.evidence() for g in held]
    too_much: list[str] = []
    unresolved: list[Grant] = []
    for grant in held:
        problem = _endpoint_grant_problem(ctx.inventory, grant)
        if problem is None:
            unresolved.append(grant)
        elif problem:
            too_much.append(f"{grant.role_name} at {grant.scope} ({problem})")
    if too_much:
        evidence["over_privileged"] = too_much
        return Outcome(
            Status.FAIL,
            "the endpoint identity holds more than it needs: " + "; ".join(too_much),
            evidence,
        )
    # An assignment whose principal cannot be read may be held by this identity.
    unresolved += [g for g in grant_index(ctx.inventory).faceless if g not in held]
    if unresolved:
        names = ", ".join(sorted({g.role_name for g in unresolved}))
        reason = f"cannot judge role(s) {names}: " + _why_unresolved(ctx.inventory, unresolved)
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    names = ", ".join(sorted({g.role_name for g in held})) or "no role assignments"
    return Outcome(Status.PASS, f"the endpoint identity holds {names}", evidence)


def _over_subscription(inventory: Inventory, subscription_id: str) -> list[Grant]:
    """Grants over the whole subscription: at it, its management groups, or the root."""
    index = grant_index(inventory)
    positions = list(index.root) + list(index.by_scope.get(f"/subscriptions/{subscription_id}", ()))
    for position in index.management_group:
        subs = inventory.subscriptions_under(index.all[position].scope)
        if subs is None or subscription_id in subs:
            positions.append(position)
    return [index.all[p] for p in sorted(positions)]


def _owners(inventory: Inventory, subscription_id: str) -> list[Grant]:
    """Owner grants over the whole subscription."""
    return [g for g in _over_subscription(inventory, subscription_id) if g.role_guid == roles.OWNER]


def subscription_owner_count(resource: Resource, ctx: EvalContext) -> Outcome:
    """Too many, or too few, Owners on a subscription that holds AI/ML resources."""
    sub = resource.subscription_id or ""
    held = ctx.inventory.ai_ml_resources_under(f"/subscriptions/{sub}")
    if not held:
        reason = "the subscription holds no audited AI/ML resource"
        return Outcome(Status.NOT_APPLICABLE, reason, {}, reason=reason)
    if not role_data_seen(ctx.inventory, sub):
        return no_role_data(ctx.inventory, sub)
    maximum = int(ctx.parameters["max_owners"])
    minimum = int(ctx.parameters["min_owners"])
    owners = _owners(ctx.inventory, sub)
    # An assignment that cannot be read might be one more Owner, or the only other one.
    doubtful = [g for g in _over_subscription(ctx.inventory, sub) if g.problems]
    principals = sorted({g.principal_id.lower() for g in owners})
    evidence: dict[str, Any] = {
        "owners": len(principals),
        "allowed": f"{minimum}..{maximum}",
        "owner_assignments": [g.evidence() for g in owners],
        "ai_ml_resources": len(held),
    }
    if len(principals) > maximum:
        return Outcome(
            Status.FAIL,
            f"{len(principals)} principals hold Owner over the subscription (at most {maximum})",
            evidence,
        )
    if doubtful:
        evidence["assignments_not_judged"] = [g.evidence() for g in doubtful]
        reason = "cannot count Owners: " + _why_unresolved(ctx.inventory, doubtful)
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if len(principals) < minimum:
        return Outcome(
            Status.FAIL,
            f"{len(principals)} principal(s) hold Owner over the subscription (at least "
            f"{minimum}, so that losing one account does not lock the subscription)",
            evidence,
        )
    return Outcome(Status.PASS, f"{len(principals)} Owners, within {minimum}..{maximum}", evidence)


PREDICATES: Mapping[str, Predicate] = {
    "key_readers": key_readers,
    "endpoint_identity_over_privileged": endpoint_identity_over_privileged,
    "subscription_owner_count": subscription_owner_count,
}
"""The access predicates, merged into :data:`auditor.engine.predicates.PREDICATES`."""
