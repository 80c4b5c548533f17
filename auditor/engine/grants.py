"""Role assignments as grants, and which grants reach which resource.

A grant is one role assignment reduced to what the access rules read (role, principal,
scope, and any value that could not be read); the index of every grant, built once per
inventory, answers "who holds a role over this resource" with inheritance from the
subscription, management groups and the root scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auditor import arm
from auditor.engine.outcome import Outcome
from auditor.engine.reading import Reads
from auditor.fields import Found, Problem
from auditor.inventory import Inventory
from auditor.model import Resource, Status
from auditor.roles import BUILT_IN_NAMES


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
    name = BUILT_IN_NAMES.get(guid) or (role_name(definition) or guid if definition else guid)
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
