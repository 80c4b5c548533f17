"""Predicates that read role assignments: who holds what over an AI/ML resource.

Role assignments carry only a role definition id; built-in roles are known by GUID
(:mod:`auditor.engine.roles`), custom roles by their collected definition. A role that is
neither is *unresolved*: it can make a result unknown, never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor import arm
from auditor.engine import roles
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.fields import Found, Missing, Problem
from auditor.inventory import Inventory
from auditor.model import Resource, Status

LIST_KEYS = roles.COGNITIVE_LIST_KEYS


@dataclass(frozen=True)
class Grant:
    """One role assignment, reduced to what the access rules read."""

    assignment: str
    role_guid: str
    role_name: str
    principal_id: str
    principal_type: str
    scope: str
    problems: tuple[Problem, ...] = ()
    """Values of the assignment that were unresolved or invalid: it cannot be judged."""

    def evidence(self) -> dict[str, str]:
        """The grant as report evidence."""
        return {
            "assignment": self.assignment,
            "role": self.role_name,
            "principal_id": self.principal_id,
            "principal_type": self.principal_type,
            "scope": self.scope,
        }


def grant_of(assignment: Resource, inventory: Inventory) -> Grant:
    """Read one role assignment record."""
    reads = Reads.of(assignment, label=f"role assignment {assignment.name}: ")
    role_id = reads.value("properties.roleDefinitionId") or ""
    guid = arm.last_segment(role_id).lower() if role_id else ""
    scope = reads.value("properties.scope")
    if not scope:  # the assignment's own id says where it is
        marker = "/providers/microsoft.authorization/roleassignments/"
        index = assignment.key.find(marker)
        scope = assignment.id[:index] if index > 0 else "/"
    definition = inventory.role_definition(guid) if guid else None
    name = roles.BUILT_IN_NAMES.get(guid) or (role_name(definition) or guid if definition else guid)
    return Grant(
        assignment=assignment.name,
        role_guid=guid,
        role_name=name or "<missing>",
        principal_id=reads.value("properties.principalId") or "<missing>",
        principal_type=reads.value("properties.principalType") or "<missing>",
        scope=scope,
        problems=tuple(reads.problems),
    )


def role_name(definition: Resource) -> str | None:
    """A role definition's display name, when valid."""
    name = Reads.of(definition).shown("properties.roleName")
    return name.value if isinstance(name, Found) and name.value else None


@dataclass(frozen=True)
class GrantIndex:
    """Every grant of an inventory, indexed by where it applies. Built once per inventory."""

    all: tuple[Grant, ...]
    by_scope: Mapping[str, tuple[int, ...]]
    """Normalised subscription, resource-group or resource scope -> positions in ``all``."""
    management_group: tuple[int, ...]
    root: tuple[int, ...]
    by_principal: Mapping[str, tuple[int, ...]]
    subscriptions: frozenset[str | None]
    """Subscriptions some role assignment was read from."""
    faceless: tuple[Grant, ...] = ()
    """Grants whose principal could not be read (unresolved or invalid): held by anyone."""


def _build_index(inventory: Inventory) -> GrantIndex:
    assignments = inventory.of_type(arm.ROLE_ASSIGNMENT)
    every = tuple(grant_of(a, inventory) for a in assignments)
    by_scope: dict[str, list[int]] = {}
    by_principal: dict[str, list[int]] = {}
    groups: list[int] = []
    root: list[int] = []
    for position, grant in enumerate(every):
        level = arm.scope_level(grant.scope)
        if level == "root":
            root.append(position)
        elif level == "management_group":
            groups.append(position)
        else:
            by_scope.setdefault(arm.normalise_id(grant.scope), []).append(position)
        by_principal.setdefault(grant.principal_id.lower(), []).append(position)
    return GrantIndex(
        all=every,
        by_scope={k: tuple(v) for k, v in by_scope.items()},
        management_group=tuple(groups),
        root=tuple(root),
        by_principal={k: tuple(v) for k, v in by_principal.items()},
        subscriptions=frozenset(a.subscription_id for a in assignments),
        faceless=tuple(
            g for g in every if any(p.path.endswith("properties.principalId") for p in g.problems)
        ),
    )


def grant_index(inventory: Inventory) -> GrantIndex:
    """The inventory's grant index (built on first use)."""
    return inventory.memo("access.grant_index", lambda: _build_index(inventory))


def grants(inventory: Inventory) -> list[Grant]:
    """Every role assignment in the inventory."""
    return list(grant_index(inventory).all)


def grants_reaching(inventory: Inventory, resource: Resource) -> list[Grant]:
    """The grants that apply to ``resource`` (at it or inherited from above), in input order."""
    index = grant_index(inventory)
    positions = list(index.root)
    positions += [
        p for p in index.management_group if reaches(inventory, index.all[p].scope, resource)
    ]
    parts = resource.key.split("/")
    for end in range(3, len(parts) + 1):
        positions += index.by_scope.get("/".join(parts[:end]), ())
    return [index.all[p] for p in sorted(set(positions))]


def grants_held_by(inventory: Inventory, principals: set[str]) -> list[Grant]:
    """The grants held by any of ``principals`` (lower-case ids), in input order."""
    index = grant_index(inventory)
    positions = {p for principal in principals for p in index.by_principal.get(principal, ())}
    return [index.all[p] for p in sorted(positions)]


def role_data_seen(inventory: Inventory, subscription_id: str | None) -> bool:
    """Role assignments were read for the subscription: declared, or some are present."""
    if inventory.has_data("role_assignments", subscription_id):
        return True
    return subscription_id in grant_index(inventory).subscriptions


def no_role_data(inventory: Inventory, subscription_id: str | None) -> Outcome:
    """The unknown outcome when role assignments were not read for a subscription."""
    reason = f"no role assignments were collected for subscription {subscription_id}"
    error = inventory.error_for("role_assignments", subscription_id)
    if error is not None:
        reason += f" ({error.message})"
    return Outcome(Status.UNKNOWN, reason, {}, reason=reason)


def reaches(inventory: Inventory, scope: str, resource: Resource) -> bool:
    """Whether an assignment at ``scope`` applies to ``resource`` (inherited downwards)."""
    level = arm.scope_level(scope)
    if level == "root":
        return True
    if level == "management_group":
        subs = inventory.subscriptions_under(scope)
        return subs is None or resource.subscription_id in subs
    return arm.scope_contains(arm.normalise_id(scope), resource.key)


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
        if any(roles.action_matches(a, action) for a in actions) and not any(
            roles.action_matches(d, action) for d in denied
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
    if grant.role_guid in roles.BUILT_IN_NAMES:
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
